import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

/** Runs a TypeScript entry point of Lanyard (src/main.ts, src/cli/main.ts) in its own Node process. */
export function spawnLanyard(entry: string, args: string[], env: Record<string, string>): ChildProcess {
  // Only the settings given here: a LANYARD_* variable of the developer's shell must not leak in.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LANYARD_')));
  return spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
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

  /** Starts src/main.ts and waits (bounded) for it to say where it listens. */
  static async start(env: Record<string, string>, timeoutMs = 300_000): Promise<LanyardProcess> {
    const p = new LanyardProcess(spawnLanyard('src/main.ts', [], env));
    await p.waitForOutput(/Lanyard is running at \S+/, timeoutMs);
    return p;
  }

  get output(): string {
    return this.out;
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

  /** Waits (bounded) until the output matches, failing early if the process exits. */
  async waitForOutput(pattern: RegExp | ((output: string) => boolean), timeoutMs = 10_000): Promise<void> {
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
