import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LanyardError } from '../errors.js';

/** The lock's file in the data directory: the pid of the process that has the embedded database open. */
export const lockFileOf = (dataDir: string) => join(dataDir, 'lanyard.lock');

/** How long a takeover of a stale lock may take before its own guard counts as left behind. */
const GUARD_STALE_MS = 10_000;

/** Lock files this process holds (a second open in the same process is refused like another's). */
const held = new Set<string>();

export interface DataDirLock {
  /** Removes the lock file, if it is still this process's. Safe to call twice. */
  release(): void;
}

/**
 * Takes the data directory's lock before PGlite opens its database there. PGlite is PostgreSQL in
 * one process, without the server's shared memory and locks: a second process (a CLI command
 * beside a running server, or a second server) that opens the same files works on its own copy of
 * the pages, and whichever writes last overwrites the other's changes — an admin created by the
 * CLI was lost while its audit event stayed. So one process at a time: the lock is a file created
 * with `wx` (only one creator wins) holding the pid, removed on close and at exit.
 *
 * A lock whose process is gone (killed with -9, a crash, a power cut) is stale and taken over,
 * so `npm start` after a crash starts. A lock naming this process's own pid that this process
 * does not hold is stale too: a restarted container often gives its process the same pid.
 * Refused with DATA_DIR_IN_USE naming the pid otherwise.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = lockFileOf(dataDir);
  if (held.has(path)) throw inUse(path, process.pid);
  for (let attempt = 0; ; attempt++) {
    const ino = create(path);
    if (ino !== undefined) return holding(path, ino);
    const holder = read(path);
    if (holder === undefined) continue; // released meanwhile: try again
    // Created but not yet written (the microseconds between open and write): wait for the pid.
    if (holder.pid === null) {
      if (attempt > 100) throw inUse(path, null);
      await sleep(10);
      continue;
    }
    if (holder.pid !== process.pid && alive(holder.pid) && sameProcess(holder)) throw inUse(path, holder.pid);
    await takeOver(path, holder.ino);
  }
}

/** Creates the lock file with this process's pid; its inode, or undefined when it exists. */
function create(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw e;
  }
  try {
    const me = identity(process.pid);
    writeSync(fd, me ? `${process.pid} ${me}\n` : `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return statSync(path).ino;
}

/**
 * What tells a process apart from a later one given the same pid (Linux): the boot's id and the
 * process's start time since boot. A container restarted gives its process the pid the last one
 * had, or to another process (npm, a shell) that is alive: the pid alone would keep a dead
 * server's lock for ever. Null where /proc does not say.
 */
function identity(pid: number): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (start time), counted after the command name's closing parenthesis.
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start && /^[\w-]+$/.test(boot) ? `${boot} ${start}` : null;
  } catch {
    return null;
  }
}

/** Whether the live process with the lock's pid is the one that wrote it (as far as /proc says). */
function sameProcess(holder: { pid: number | null; identity: string | null }): boolean {
  if (holder.identity === null) return true;
  const now = identity(holder.pid!);
  return now === null || now === holder.identity;
}

/** The lock's pid (null while it is being written), its writer's identity and inode; undefined without a lock. */
function read(path: string): { pid: number | null; identity: string | null; ino: number } | undefined {
  try {
    const ino = statSync(path).ino;
    const text = readFileSync(path, 'utf8').trim();
    const m = /^(\d+)(?: ([\w-]+ \d+))?$/.exec(text);
    return { pid: m ? Number(m[1]) : null, identity: m?.[2] ?? null, ino };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock, under a guard file of its own: two processes that found the same stale
 * lock must not both remove "it" — the second would remove the lock the first has just taken.
 * Under the guard a lock is removed only if it is still the stale one (the same inode).
 */
async function takeOver(path: string, staleIno: number): Promise<void> {
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another process is taking it over; a guard left by one that died doing so is removed.
    try {
      if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS) unlinkSync(guard);
    } catch {
      // gone already
    }
    await sleep(10);
    return;
  }
  try {
    if (read(path)?.ino === staleIno) unlinkSync(path);
  } finally {
    closeSync(fd);
    unlinkSync(guard);
  }
}

function holding(path: string, ino: number): DataDirLock {
  held.add(path);
  const release = () => {
    if (!held.delete(path)) return;
    process.off('exit', release);
    // Only this process's own lock: never one another process took over meanwhile.
    if (read(path)?.ino === ino) unlinkSync(path);
  };
  process.on('exit', release);
  return { release };
}

function inUse(path: string, pid: number | null): LanyardError {
  return new LanyardError(
    'DATA_DIR_IN_USE',
    `Lanyard is running on this data directory (pid ${pid ?? 'unknown'}); stop it first. ` +
      `The embedded database is one process's at a time. (If no Lanyard runs, remove ${path}.)`,
    { lockFile: path, pid },
  );
}
