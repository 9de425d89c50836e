import type { Logger } from 'pino';

/**
 * A queue worker's loop, shared by the mail outbox and the ORCID write queue: a round
 * (`deliverDue`, claiming due rows with a lease) every `pollMs`, at once after a `kick` (a row was
 * just queued; a kick during a round runs another right after it), and `stop` waits for the round
 * in progress. The timer never keeps the process alive.
 */
export abstract class PollingWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly loop: { log: Pick<Logger, 'error'>; pollMs: number; failed: string }) {}

  /** One round: everything due. Exposed for tests and the CLI. */
  abstract deliverDue(): Promise<number>;

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Runs a round now instead of waiting for the next poll. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.deliverDue()
        .catch((e) => this.loop.log.error({ err: e }, this.loop.failed))
        .then(() => undefined)
        .finally(() => {
          this.running = undefined;
          if (this.stopped) return;
          const again = this.again;
          this.again = false;
          this.schedule(again ? 0 : this.loop.pollMs);
        });
    }, ms);
    this.timer.unref();
  }
}

/**
 * A peer a worker depends on that stopped answering (the SMTP relay, ORCID): the worker waits 5 s
 * before trying it again, doubling up to a minute while it stays away, and logs the outage once
 * when it begins and once when it ends. An outage this worker last saw more than `staleMs` ago is
 * over as far as it knows (another process may have heard the peer meanwhile): the next miss
 * begins a new one.
 */
export class Outage {
  private tries = 0;
  private since = 0;
  private lastMiss = 0;
  private retryAt = 0;

  constructor(
    private readonly firstMs = 5_000,
    private readonly maxMs = 60_000,
    private readonly staleMs = Number.POSITIVE_INFINITY,
  ) {}

  /** When the peer missed the first try of the outage still going on at `now` (ms); null if none is. */
  beganAt(now: number): number | null {
    return this.tries > 0 && now - this.lastMiss <= this.staleMs ? this.since : null;
  }

  /** Whether the worker is still to wait before it tries the peer again. */
  waiting(now: number): boolean {
    return now < this.retryAt;
  }

  /**
   * The peer gave no answer; true when this begins an outage (the caller logs it). `atLeastMs`:
   * how long the peer itself asked to be left alone (a Retry-After), when longer than the backoff.
   */
  missed(now: number, atLeastMs = 0): boolean {
    const begins = this.beganAt(now) === null;
    if (begins) {
      this.since = now;
      this.tries = 0;
    }
    this.tries++;
    this.lastMiss = now;
    this.retryAt = now + Math.max(atLeastMs, Math.min(this.maxMs, this.firstMs * 2 ** Math.min(this.tries - 1, 10)));
    return begins;
  }

  /** The peer answered: the outage that ended with it, if there was one (the caller logs it). */
  answered(now: number): { forMs: number; tries: number } | undefined {
    const began = this.beganAt(now);
    const ended = began === null ? undefined : { forMs: now - began, tries: this.tries };
    this.tries = 0;
    this.since = 0;
    this.retryAt = 0;
    return ended;
  }
}
