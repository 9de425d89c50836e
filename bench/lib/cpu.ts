// Where the two cores went during a phase, from /proc (Linux): CPU time of each process the
// benchmark knows (all threads included), of every PostgreSQL backend, and of the whole machine,
// so the report can say what the flows were bound by and how busy the machine was otherwise.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

function ticksOf(pid: number, file = `/proc/${pid}/stat`): number {
  try {
    const stat = readFileSync(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  } catch {
    return 0;
  }
}

/** Ticks of each PostgreSQL backend serving `database` (its title names the database), by pid. */
function postgresTicks(database: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== 'postgres') continue;
      if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(` ${database} `)) continue;
      byPid.set(Number(name), ticksOf(Number(name)));
    } catch {
      // the process ended while we looked
    }
  }
  return byPid;
}

/**
 * Nanoseconds a thread has spent waiting on a run queue (runnable, no CPU free for it): the second
 * field of /proc/<pid>/task/<tid>/schedstat; 0 where the kernel does not keep it.
 */
function runQueueWaitNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1] ?? 0);
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const n = values.map(Number);
  const total = n.reduce((a, b) => a + b, 0);
  return { busy: total - (n[3] ?? 0) - (n[4] ?? 0), total }; // minus idle and iowait
}

export type CpuSnapshot = {
  at: number;
  byName: Record<string, number>;
  /** Ticks of each named process's main thread alone (its event loop, for Node): the rest is its other threads. */
  mainThread: Record<string, number>;
  /** Nanoseconds each named process's main thread has waited for a CPU while runnable. */
  mainWaitNs: Record<string, number>;
  postgres: Map<number, number>;
  busy: number;
  total: number;
};

/**
 * CPU ticks so far of the named processes, of the PostgreSQL backends serving `database` (other
 * databases on the same server belong to other work on the machine) and of the machine; null off Linux.
 */
export function cpuSnapshot(pids: Record<string, number>, database: string): CpuSnapshot | null {
  try {
    const byName = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, ticksOf(pid)]));
    const mainThread = Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [name, ticksOf(pid, `/proc/${pid}/task/${pid}/stat`)]),
    );
    const mainWaitNs = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, runQueueWaitNs(pid)]));
    return {
      at: performance.now(),
      byName,
      mainThread,
      mainWaitNs,
      postgres: postgresTicks(database),
      ...machineTicks(),
    };
  } catch {
    return null;
  }
}

/** CPU use between two snapshots in cores (1.0 = one core busy all the time), by process. */
export function cpuBetween(a: CpuSnapshot | null, b: CpuSnapshot | null): Record<string, number> | null {
  if (!a || !b) return null;
  const seconds = (b.at - a.at) / 1000;
  const cores = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 100) / 100;
  const out: Record<string, number> = {};
  let ours = 0;
  for (const name of Object.keys(b.byName)) {
    const t = b.byName[name]! - (a.byName[name] ?? 0);
    ours += t;
    out[name] = cores(t);
  }
  // Backends that lived through the phase; one that started during it counts from zero.
  let pg = 0;
  for (const [pid, ticks] of b.postgres) pg += ticks - (a.postgres.get(pid) ?? 0);
  out.postgres = cores(pg);
  // Not added to `ours`: a part of its process, counted above.
  for (const name of Object.keys(b.mainThread))
    out[`${name}Main`] = cores(b.mainThread[name]! - (a.mainThread[name] ?? 0));
  // The share of the phase's wall time each main thread was runnable but had no CPU: an event loop
  // with work queued that the machine's other work kept off both cores.
  for (const name of Object.keys(b.mainWaitNs))
    out[`${name}MainWait`] =
      Math.round(((b.mainWaitNs[name]! - (a.mainWaitNs[name] ?? 0)) / 1e9 / seconds) * 100) / 100;
  ours += pg;
  // The machine's busy ticks are summed over all cores, so they convert the same way.
  const busy = b.busy - a.busy;
  out.machine = cores(busy);
  out.other = Math.max(0, cores(busy - ours));
  return out;
}
