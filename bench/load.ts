// The virtual-user loop: `vus` users each run the flow back to back (a closed loop, as people do:
// the next sign-in starts when the last one finished) until the duration or the iteration cap is
// reached, whichever comes first. Nothing here runs unbounded.
import { Browser } from './lib/http.js';
import { type Summary, summarize } from './stats.js';

/** What a flow gets for one iteration. `step` times one round trip under a name. */
export interface Iteration {
  /** A fresh browser: a new person, signed out. */
  browser: Browser;
  /** 0, 1, 2… across all virtual users, for picking the iteration's user. */
  index: number;
  /** Which virtual user runs it (0 … vus − 1): a flow that keeps a person signed in keys on it. */
  vu: number;
  step<T>(name: string, work: Promise<T>): Promise<T>;
}

export type Flow = (it: Iteration) => Promise<void>;

export interface PhaseOptions {
  vus: number;
  /** Stop starting iterations after this long. */
  durationMs: number;
  /** Stop starting iterations after this many (soak mode, warm-ups). */
  maxIterations?: number;
  /** Called after every completed iteration (soak checkpoints). May pause the loop by returning a promise. */
  onProgress?: (completed: number) => void | Promise<void>;
}

export interface PhaseResult {
  completed: number;
  errors: number;
  /** The first few distinct error messages with their counts. */
  errorKinds: Record<string, number>;
  elapsedMs: number;
  /** Completed flows per second over the elapsed time. */
  throughput: number;
  latency: Summary;
  steps: Record<string, Summary>;
}

const ERROR_KINDS_KEPT = 8;

/** A phase's result with its raw samples, so slices of one flow can be merged (see `mergeSlices`). */
export interface RawPhase extends PhaseResult {
  raw: { latencies: number[]; steps: Map<string, number[]> };
}

/** One result from several slices of the same flow: counts and samples added, percentiles recomputed. */
export function mergeSlices(slices: RawPhase[]): PhaseResult {
  const latencies = slices.flatMap((s) => s.raw.latencies);
  const steps = new Map<string, number[]>();
  const errorKinds: Record<string, number> = {};
  for (const s of slices) {
    for (const [name, list] of s.raw.steps) steps.set(name, [...(steps.get(name) ?? []), ...list]);
    for (const [k, n] of Object.entries(s.errorKinds)) errorKinds[k] = (errorKinds[k] ?? 0) + n;
  }
  const elapsedMs = slices.reduce((a, s) => a + s.elapsedMs, 0);
  return {
    completed: latencies.length,
    errors: slices.reduce((a, s) => a + s.errors, 0),
    errorKinds,
    elapsedMs,
    throughput: latencies.length / (elapsedMs / 1000),
    latency: summarize(latencies),
    steps: Object.fromEntries([...steps].map(([name, list]) => [name, summarize(list)])),
  };
}

export async function runPhase(flow: Flow, opts: PhaseOptions): Promise<RawPhase> {
  const latencies: number[] = [];
  const stepLatencies = new Map<string, number[]>();
  const errorKinds: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  const max = opts.maxIterations ?? Number.POSITIVE_INFINITY;
  const started = performance.now();
  const deadline = started + opts.durationMs;

  const step = async <T>(name: string, work: Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await work;
    let list = stepLatencies.get(name);
    if (!list) stepLatencies.set(name, (list = []));
    list.push(performance.now() - t0);
    return result;
  };

  const user = async (_: unknown, vu: number) => {
    while (performance.now() < deadline && next < max) {
      const index = next++;
      const t0 = performance.now();
      try {
        await flow({ browser: new Browser(), index, vu, step });
        latencies.push(performance.now() - t0);
        await opts.onProgress?.(latencies.length);
      } catch (e) {
        errors++;
        const kind = (e as Error).message.slice(0, 160);
        if (kind in errorKinds || Object.keys(errorKinds).length < ERROR_KINDS_KEPT)
          errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.vus }, user));
  const elapsedMs = performance.now() - started;
  return {
    completed: latencies.length,
    errors,
    errorKinds,
    elapsedMs,
    throughput: latencies.length / (elapsedMs / 1000),
    latency: summarize(latencies),
    steps: Object.fromEntries([...stepLatencies].map(([name, list]) => [name, summarize(list)])),
    raw: { latencies, steps: stepLatencies },
  };
}
