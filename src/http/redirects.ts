import type { Config } from '../config/schema.js';

/**
 * Where a sign-in may send the browser afterwards (docs/design.md §4: no open redirect). Relative
 * paths on this service are fine; absolute URLs only to this service's origin or an allow-listed
 * one. Anything else, including `//evil.example` and `/\evil.example`, falls back to `fallback`.
 * What it returns is always a valid Location value.
 */
export function safeRedirect(
  target: unknown,
  config: Pick<Config, 'publicUrl' | 'allowedRedirectOrigins'>,
  fallback = '/profile',
): string {
  if (typeof target !== 'string' || target.length === 0 || target.length > 2000) return fallback;
  if (/[\u0000-\u001f\\]/.test(target)) return fallback;
  try {
    if (target.startsWith('/') && !target.startsWith('//')) {
      // Resolved and re-serialised: the answer is plain ASCII (anything else percent-encoded, as a
      // Location header needs) and dot segments cannot turn it into `//elsewhere`.
      const url = new URL(target, 'http://lanyard.invalid');
      return url.pathname.startsWith('//') ? fallback : `${url.pathname}${url.search}${url.hash}`;
    }
    const url = new URL(target);
    const origin = url.origin;
    if (origin === new URL(config.publicUrl).origin || config.allowedRedirectOrigins.includes(origin)) return url.href;
  } catch {
    /* not a URL */
  }
  return fallback;
}

export function isSafeRedirect(target: string, config: Pick<Config, 'publicUrl' | 'allowedRedirectOrigins'>): boolean {
  return safeRedirect(target, config, '\u0000') !== '\u0000';
}

/** Lanyard's sign-in page, going on to `next` afterwards (a bare /login when that is only /profile). */
export function loginThen(next: string): string {
  return next === '/profile' ? '/login' : `/login?returnTo=${encodeURIComponent(next)}`;
}
