// The run's record, its floors of docs/design.md §7, and the Markdown table docs/performance.md shows.
import type { PhaseResult } from './load.js';

export interface ProcessMetrics {
  eventLoopDelayMs: { p50: number | null; p99: number | null; max: number | null };
  memory: { rss: number; heapUsed?: number };
}

export interface PhaseRecord {
  key: string;
  label: string;
  target: 'lanyard' | 'harness' | 'bench';
  vus: number;
  result: PhaseResult;
  metrics: ProcessMetrics | null;
  /** Cores used during the phase, by process (see lib/cpu.ts). */
  cpu: Record<string, number> | null;
  /** The timed slices on CLOCK_MONOTONIC, µs (for cutting them out of a CPU profile). */
  windows: { startUs: number; endUs: number }[];
  /** Database round trips (simple queries and extended-protocol Syncs) per completed flow. */
  dbRoundTripsPerFlow?: number | null;
}

export interface SoakPoint {
  signIns: number;
  rss: number;
  heapUsed: number;
}

export interface RunRecord {
  date: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
  };
  database: 'postgresql' | 'embedded (PGlite)';
  settings: Record<string, string | number>;
  idleRss: { afterStart: number; afterLoad: number | null };
  phases: PhaseRecord[];
  soak: SoakPoint[] | null;
  wallSeconds: number;
}

export interface FloorCheck {
  floor: string;
  measured: string;
  met: boolean;
}

const MB = 1024 * 1024;
const f1 = (n: number) => n.toFixed(1);
const f0 = (n: number) => n.toFixed(0);

/** Grants per second one core of Lanyard's would serve: 1000 / its CPU milliseconds per grant. */
function refreshesPerCore(p: PhaseRecord): number | null {
  const cores = p.cpu?.lanyard;
  return cores && p.result.throughput > 0 ? p.result.throughput / cores : null;
}

/** The harness measured beside a flow: the OpenID provider's flows have their own slices. */
function harnessBeside(run: RunRecord, p: PhaseRecord): PhaseRecord | undefined {
  const key = p.key === 'oidc' || p.key === 'refresh' ? 'harness-op' : 'harness';
  return run.phases.find((x) => x.key === key);
}

export function checkFloors(run: RunRecord): FloorCheck[] {
  const checks: FloorCheck[] = [];
  const phase = (key: string) => run.phases.find((p) => p.key === key);
  const harness = phase('harness');
  const returning = phase('returning');
  if (returning && harness) {
    const r = returning.result;
    const h = harness.result;
    checks.push({
      floor: 'returning-user ORCID sign-in ≥ 0.6 × harness',
      measured: `${f0(r.throughput)}/s = ${(r.throughput / h.throughput).toFixed(2)} × ${f0(h.throughput)}/s`,
      met: r.throughput >= 0.6 * h.throughput,
    });
    checks.push({
      floor: `returning-user ORCID sign-in p99 ≤ 2 × the harness's p99 at ${returning.vus} users`,
      measured: `${f1(r.latency.p99)} ms = ${(r.latency.p99 / h.latency.p99).toFixed(2)} × ${f1(h.latency.p99)} ms`,
      met: r.latency.p99 <= 2 * h.latency.p99,
    });
    checks.push({
      floor: 'returning-user ORCID sign-in: zero errors',
      measured: `${r.errors} errors`,
      met: r.errors === 0,
    });
  }
  const priv = phase('private');
  if (priv && harness) {
    const r = priv.result;
    checks.push({
      floor: 'first sign-in, private email, to the registration page ≥ 0.5 × harness',
      measured: `${f0(r.throughput)}/s = ${(r.throughput / harness.result.throughput).toFixed(2)} × harness`,
      met: r.throughput >= 0.5 * harness.result.throughput,
    });
  }
  const pwd = phase('password');
  if (pwd) {
    const raw = phase('argon2');
    if (raw)
      checks.push({
        floor: 'password sign-in ≥ 0.85 × raw argon2id verify on the same machine',
        measured: `${f0(pwd.result.throughput)}/s = ${(pwd.result.throughput / raw.result.throughput).toFixed(2)} × ${f0(raw.result.throughput)}/s`,
        met: pwd.result.throughput >= 0.85 * raw.result.throughput,
      });
    const eld = pwd.metrics?.eventLoopDelayMs.p99;
    if (eld != null)
      checks.push({
        floor: 'event-loop delay p99 < 20 ms during password sign-in',
        measured: `${f1(eld)} ms`,
        met: eld < 20,
      });
  }
  const opHarness = phase('harness-op');
  const code = phase('oidc');
  if (code && opHarness)
    checks.push({
      floor: 'OpenID provider: authorize + code + token + userinfo ≥ 0.5 × harness',
      measured: `${f0(code.result.throughput)}/s = ${(code.result.throughput / opHarness.result.throughput).toFixed(2)} × ${f0(opHarness.result.throughput)}/s`,
      met: code.result.throughput >= 0.5 * opHarness.result.throughput,
    });
  const refresh = phase('refresh');
  const perCore = refresh ? refreshesPerCore(refresh) : null;
  if (perCore !== null)
    checks.push({
      floor: 'OpenID provider: refresh-token grants ≥ 400/s per core of Lanyard',
      measured: `${f0(perCore)}/s per core (${f0(refresh!.result.throughput)}/s on ${refresh!.cpu!.lanyard!.toFixed(2)} cores)`,
      met: perCore >= 400,
    });
  if (run.database === 'postgresql') {
    checks.push({
      floor: 'idle RSS < 150 MB with PostgreSQL',
      measured: `${f0(run.idleRss.afterStart / MB)} MB after start`,
      met: run.idleRss.afterStart < 150 * MB,
    });
  }
  if (run.soak && run.soak.length >= 2) {
    const first = run.soak.find((p) => p.signIns >= 1000) ?? run.soak[0]!;
    const last = run.soak[run.soak.length - 1]!;
    checks.push({
      floor: `RSS after ${last.signIns.toLocaleString('en')} sign-ins within 20% of RSS after ${first.signIns.toLocaleString('en')}`,
      measured: `${f0(first.rss / MB)} MB → ${f0(last.rss / MB)} MB (${(((last.rss - first.rss) / first.rss) * 100).toFixed(1)}%)`,
      met: last.rss <= first.rss * 1.2,
    });
  }
  return checks;
}

/** Markdown: the machine, the table of phases, the floors. */
export function renderReport(run: RunRecord): string {
  const m = run.machine;
  const lines = [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}; ${run.database}; ${run.date}.`,
    `Load average before/after: ${m.loadAverageBefore.map(f1).join(' ')} / ${m.loadAverageAfter.map(f1).join(' ')}. Run took ${f0(run.wallSeconds)} s.`,
    '',
    '| flow | against | VUs | flows | flows/s | × floor | p50 ms | p95 ms | p99 ms | errors | event-loop p99 ms | RSS MB | CPU ms/flow (server, postgres) | DB round trips/flow | cores: lanyard / harness / emulator / postgres / bench / other |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const p of run.phases) {
    const r = p.result;
    const c = p.cpu;
    const cores = c
      ? [c.lanyard, c.harness, c.emulator, c.postgres, c.bench, c.other]
          .map((v) => (v === undefined ? '–' : v.toFixed(2)))
          .join(' / ')
      : '–';
    const raw = run.phases.find((x) => x.key === 'argon2');
    const beside = harnessBeside(run, p);
    const ratio =
      beside && (p.key === 'returning' || p.key === 'private' || p.key === 'oidc')
        ? (r.throughput / beside.result.throughput).toFixed(2)
        : p.key === 'refresh' && refreshesPerCore(p) !== null
          ? `${f0(refreshesPerCore(p)!)}/s per core`
          : p.key === 'password' && raw
            ? `${(r.throughput / raw.result.throughput).toFixed(2)} × raw`
            : '';
    const trips = p.dbRoundTripsPerFlow == null ? '–' : f1(p.dbRoundTripsPerFlow);
    const eld = p.metrics?.eventLoopDelayMs.p99;
    // Cores × 1000 / flows per second = CPU milliseconds one flow costs: steadier than flows/s on a busy machine.
    const perFlow =
      c && r.throughput > 0
        ? `${f1(((c[p.target] ?? 0) * 1000) / r.throughput)}, ${f1(((c.postgres ?? 0) * 1000) / r.throughput)}`
        : '–';
    lines.push(
      `| ${p.label} | ${p.target} | ${p.vus} | ${r.completed} | ${f0(r.throughput)} | ${ratio} | ${f1(r.latency.p50)} | ${f1(r.latency.p95)} | ${f1(r.latency.p99)} | ${r.errors} | ${eld == null ? '–' : f1(eld)} | ${p.metrics ? f0(p.metrics.memory.rss / MB) : '–'} | ${perFlow} | ${trips} | ${cores} |`,
    );
  }
  lines.push(
    '',
    `Idle RSS of Lanyard: ${f0(run.idleRss.afterStart / MB)} MB after start${run.idleRss.afterLoad ? `, ${f0(run.idleRss.afterLoad / MB)} MB after the load` : ''}.`,
  );
  if (run.soak)
    lines.push(
      '',
      `Soak (RSS by sign-ins): ${run.soak.map((p) => `${p.signIns.toLocaleString('en')}: ${f0(p.rss / MB)} MB (heap ${f0(p.heapUsed / MB)})`).join('; ')}.`,
    );
  const errs = run.phases.filter((p) => p.result.errors > 0);
  for (const p of errs)
    lines.push(
      '',
      `Errors in ${p.label} (${p.target}): ${Object.entries(p.result.errorKinds)
        .map(([k, n]) => `${n}× ${k}`)
        .join('; ')}`,
    );
  lines.push('', '| floor (docs/design.md §7) | measured | met |', '|---|---|---|');
  for (const c of checkFloors(run)) lines.push(`| ${c.floor} | ${c.measured} | ${c.met ? 'yes' : '**no**'} |`);
  lines.push('', 'Per step (median / p99 ms):');
  for (const p of run.phases) {
    lines.push(
      `- ${p.label} (${p.target}): ${Object.entries(p.result.steps)
        .map(([name, s]) => `${name} ${f1(s.p50)} / ${f1(s.p99)}`)
        .join(', ')}`,
    );
  }
  // A Node process's main thread runs its event loop; argon2id and garbage collection run on others.
  const mains = run.phases.filter((p) => p.cpu?.[`${p.target}Main`] !== undefined && p.result.throughput > 0);
  if (mains.length) {
    lines.push(
      '',
      'CPU ms/flow on the main thread (event loop) / on the other threads (argon2id pool, GC, …); the share of the',
      "phase the main thread was on a CPU, and runnable but waiting for one (the machine's run queue):",
    );
    for (const p of mains) {
      const main = ((p.cpu![`${p.target}Main`] ?? 0) * 1000) / p.result.throughput;
      const all = ((p.cpu![p.target] ?? 0) * 1000) / p.result.throughput;
      const wait = p.cpu![`${p.target}MainWait`];
      const share = (x: number) => `${Math.round(x * 100)} %`;
      lines.push(
        `- ${p.label} (${p.target}): ${main.toFixed(2)} / ${(all - main).toFixed(2)}; on a CPU ${share(p.cpu![`${p.target}Main`] ?? 0)}` +
          (wait === undefined ? '' : `, waiting for one ${share(wait)}`),
      );
    }
  }
  return lines.join('\n');
}
