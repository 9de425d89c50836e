// The processes the benchmark runs beside itself (Lanyard, the ORCID emulator, the bare harness):
// each in its own Node process, so none shares the load generator's event loop.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export class Child {
  private out = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    proc.stdout!.on('data', (chunk: Buffer) => (this.out = (this.out + chunk.toString()).slice(-200_000)));
    proc.stderr!.on('data', (chunk: Buffer) => (this.out = (this.out + chunk.toString()).slice(-200_000)));
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
    },
  ): Promise<Child> {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LANYARD_')));
    const loader = opts.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, opts.entry, ...(opts.args ?? [])], {
      env: { ...inherited, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = new Child(name, proc);
    await child.waitFor(opts.ready, opts.timeoutMs ?? 120_000);
    return child;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get output(): string {
    return this.out;
  }

  /** The first capture group of `pattern` in the output so far. */
  match(pattern: RegExp): string {
    const m = pattern.exec(this.out);
    if (!m?.[1]) throw new Error(`${this.name}: output does not match ${pattern}:\n${this.out.slice(-2000)}`);
    return m[1];
  }

  async waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.out)) {
      if (this.proc.exitCode !== null)
        throw new Error(`${this.name} exited (${this.proc.exitCode}) before it was ready:\n${this.out.slice(-4000)}`);
      if (Date.now() > deadline)
        throw new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.out.slice(-4000)}`);
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
