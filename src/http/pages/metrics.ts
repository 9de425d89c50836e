import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Route } from '../app.js';

/** Nanoseconds (the histogram's unit) to milliseconds, three decimals. */
const ms = (ns: number) => Math.round(ns / 1000) / 1000;

/**
 * `GET /metrics` — the process's event-loop delay and memory, for the benchmark (bench/run.ts),
 * which must read them from the Lanyard process it started rather than from its own. Served only
 * with LANYARD_METRICS=true. `POST /metrics/reset` starts a new measurement window (each benchmark
 * phase). Nothing here names an account or a request, so it reveals nothing but load.
 */
export const metricsRoutes: Route = (app, lanyard) => {
  if (!lanyard.config.metrics) return;
  // 1 ms resolution: the histogram's samples include the timer interval, so a coarse one hides short stalls.
  const resolutionMs = 1;
  const delay = monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();
  app.addHook('onClose', async () => delay.disable());
  let since = Date.now();

  app.get('/metrics', () => {
    const memory = process.memoryUsage();
    return {
      windowMs: Date.now() - since,
      // No sample yet (a window shorter than the resolution): null rather than the histogram's NaN.
      eventLoopDelayMs: {
        resolution: resolutionMs,
        count: delay.count,
        min: delay.count ? ms(delay.min) : null,
        mean: delay.count ? ms(delay.mean) : null,
        p50: delay.count ? ms(delay.percentile(50)) : null,
        p99: delay.count ? ms(delay.percentile(99)) : null,
        max: delay.count ? ms(delay.max) : null,
      },
      memory: {
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
        arrayBuffers: memory.arrayBuffers,
      },
      cpuUsageMicros: process.cpuUsage(),
    };
  });

  app.post('/metrics/reset', (_request, reply) => {
    delay.reset();
    since = Date.now();
    return reply.code(204).send();
  });
};
