// The processes the benchmark runs beside itself (Lanyard, the ORCID emulator, the bare harness):
// each in its own Node process, so none shares the load generator's event loop.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';

export class Child {
  private out = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
    private readonly logFile?: string,
  ) {
    proc.stdout?.on('data', (chunk: Buffer) => (this.out = (this.out + chunk.toString()).slice(-200_000)));
    proc.stderr?.on('data', (chunk: Buffer) => (this.out = (this.out + chunk.toString()).slice(-200_000)));
    this.exited = once(proc, 'exit').then(([code]) => code as number | null);
  }

  /**
   * Runs `node [nodeArgs] [--import tsx] entry args` (tsx only for a .ts entry) with exactly `env` on top of the parent's
   * environment minus any LANYARD_* of the developer's shell, and waits (bounded) for `ready`.
   */
  static async start(
    name: string,
    opts: {
      entry: string;
      args?: string[];
      nodeArgs?: string[];
      env?: Record<string, string>;
      ready: RegExp;
      timeoutMs?: number;
      /**
       * Standard output and error go to this file instead of a pipe, as a service's log does when
       * an operator starts it: the benchmark then never reads (and never slows) the log as it is written.
       */
      logFile?: string;
    },
  ): Promise<Child> {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LANYARD_')));
    const loader = opts.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const fd = opts.logFile ? openSync(opts.logFile, 'w') : undefined;
    const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, opts.entry, ...(opts.args ?? [])], {
      env: { ...inherited, ...opts.env },
      stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
    });
    if (fd !== undefined) closeSync(fd);
    const child = new Child(name, proc, opts.logFile);
    await child.waitFor(opts.ready, opts.timeoutMs ?? 120_000);
    return child;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get output(): string {
    if (!this.logFile) return this.out;
    try {
      return readFileSync(this.logFile, 'utf8').slice(-200_000);
    } catch {
      return '';
    }
  }

  /** The first capture group of `pattern` in the output so far. */
  match(pattern: RegExp): string {
    const m = pattern.exec(this.output);
    if (!m?.[1]) throw new Error(`${this.name}: output does not match ${pattern}:\n${this.output.slice(-2000)}`);
    return m[1];
  }

  async waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.proc.exitCode !== null)
        throw new Error(
          `${this.name} exited (${this.proc.exitCode}) before it was ready:\n${this.output.slice(-4000)}`,
        );
      if (Date.now() > deadline)
        throw new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.output.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code. */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.proc.exitCode;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
