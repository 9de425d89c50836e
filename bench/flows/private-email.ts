import type { Flow } from '../load.js';
import { type Browser, expectStatus } from '../lib/http.js';
import { orcidRoundTrips } from './orcid.js';

/**
 * (b) A first sign-in whose ORCID email is private (docs/design.md §3 case 5): start → authorize →
 * callback, which creates an EXTERNAL registration and redirects to /external-login/:token, then
 * that page ("we need your email"). Each iteration takes the next unused emulator user; the pool
 * is sized for the phase, and wraps (a repeat is still a first sign-in: nothing is linked yet).
 * `tokens` collects the registration tokens for the findByToken flow, each with the browser that
 * started it: a registration that did not go by mail is bound to that browser (its cookie).
 */
export interface HeldToken {
  token: string;
  browser: Browser;
}

export function privateEmailFlow(lanyardUrl: string, users: readonly string[], tokens: HeldToken[]): Flow {
  return async (it) => {
    const res = expectStatus(
      'callback',
      await orcidRoundTrips(it, `${lanyardUrl}/login/orcid`, users[it.index % users.length]!),
      303,
    );
    const m = /\/external-login\/([A-Za-z0-9_-]{43})$/.exec(res.location ?? '');
    if (!m)
      throw new Error(
        `callback: redirected to ${res.location?.replace(/[A-Za-z0-9_-]{43}/, ':token')}, not to /external-login/:token`,
      );
    expectStatus('registration page', await it.step('registration page', it.browser.get(res.location!)), 200);
    if (tokens.length < 10_000) tokens.push({ token: m[1]!, browser: it.browser });
  };
}
