/**
 * Waits (bounded) for real I/O done elsewhere — the outbox worker talking SMTP — to show a result.
 * Never a substitute for moving the test clock. The bound is only for a condition that never comes:
 * on a busy 2-core machine (load average 15-40) a reconnect or a worker's round that takes
 * milliseconds alone took 6 s, so it is a minute; a quiet machine returns as soon as it holds.
 */
export const WAIT_BOUND_MS = 60_000;

export async function waitUntil<T>(
  check: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = WAIT_BOUND_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
