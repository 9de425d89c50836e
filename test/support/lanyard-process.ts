import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WAIT_BOUND_MS } from './wait.js';

/**
 * Runs an entry point of Lanyard in its own Node process: TypeScript (src/main.ts, src/cli/main.ts)
 * through tsx, or a compiled one (`compileLanyard`) as `npm start` runs dist/main.js.
 */
export function spawnLanyard(entry: string, args: string[], env: Record<string, string>): ChildProcess {
  // Only the settings given here: a LANYARD_* variable of the developer's shell must not leak in.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LANYARD_')));
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return spawn(process.execPath, [...loader, entry, ...args], {
    env: { ...inherited, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** `npm start` as a real process: stdout and stderr collected, stopped by a signal. */
export class LanyardProcess {
  private out = '';
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => (this.out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.out += chunk.toString()));
    this.exited = once(child, 'exit').then(([code]) => code as number | null);
  }

  /** Starts `entry` (src/main.ts, or a compiled main.js) and waits (bounded) for it to say where it listens. */
  static async start(env: Record<string, string>, timeoutMs = 300_000, entry = 'src/main.ts'): Promise<LanyardProcess> {
    const p = new LanyardProcess(spawnLanyard(entry, [], env));
    await p.waitForOutput(/Lanyard is running at \S+/, timeoutMs);
    return p;
  }

  get output(): string {
    return this.out;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resident memory now (Linux /proc), 0 once the process is gone. */
  rssBytes(): number {
    try {
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'))?.[1];
      return Number(kb ?? 0) * 1024;
    } catch {
      return 0;
    }
  }

  /** Waits (bounded: for output that never comes) until the output matches, failing early if the process exits. */
  async waitForOutput(pattern: RegExp | ((output: string) => boolean), timeoutMs = WAIT_BOUND_MS): Promise<void> {
    const matches = typeof pattern === 'function' ? pattern : (out: string) => pattern.test(out);
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (!matches(this.out)) {
      if (exited) throw new Error(`Lanyard exited before printing ${pattern}:\n${this.out}`);
      if (Date.now() > deadline)
        throw new Error(`Lanyard did not print ${pattern} within ${timeoutMs} ms:\n${this.out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sends `signal` and returns the exit code (bounded: SIGKILL after `timeoutMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npx lanyard <args>` (or another entry point) to completion, with `input` on its stdin. */
export async function runLanyardCli(
  args: string[],
  env: Record<string, string>,
  input = '',
  entry = 'src/cli/main.ts',
): Promise<CliResult> {
  const child = spawnLanyard(entry, args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin!.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * src/ compiled as `npm start` compiles it (scripts/build.mjs, esbuild: about a second) into a
 * directory of its own under `.build/`, so processes started from it skip tsx's per-module work
 * at every start, and a build of dist/ or of another test at the same time cannot touch it.
 * `entry('src/main.ts')` names the compiled file; `remove()` deletes the directory.
 */
export async function compileLanyard(): Promise<{ entry(source: string): string; remove(): void }> {
  const dir = join('.build', `lanyard-${process.pid}-${randomBytes(4).toString('hex')}`);
  const child = spawn(process.execPath, ['scripts/build.mjs', '--force', '--outdir', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (code !== 0) {
    remove();
    throw new Error(`scripts/build.mjs failed (${code}): ${err}`);
  }
  return { entry: (source) => join(dir, source.replace(/^src\//, '').replace(/\.ts$/, '.js')), remove };
}
