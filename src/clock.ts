/** Time is injected everywhere so tests move it instead of sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can move: `clock.advance(3600_000)` makes every token an hour older. */
export class TestClock implements Clock {
  private offset = 0;
  private frozenAt: number | null = null;
  now(): Date {
    return new Date((this.frozenAt ?? Date.now()) + this.offset);
  }
  /** Stops the clock (advance still moves it): for rules measured in seconds, on a slow machine. */
  freeze(): void {
    this.frozenAt ??= Date.now();
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

export const addSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);
