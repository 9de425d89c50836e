/**
 * A signal that aborts after `ms` with a `TimeoutError`, as `AbortSignal.timeout` does, at a tenth
 * of its cost: `AbortSignal.timeout` makes a transferable signal and registers it for garbage
 * collection, which showed in profiles of the returning sign-in (two calls to ORCID each).
 * Call `clear` once the call, its body included, is done.
 */
export function timeoutSignal(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ms,
  );
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
