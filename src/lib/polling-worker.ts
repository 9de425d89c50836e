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
