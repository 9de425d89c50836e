import type { Iteration } from '../load.js';
import { expectStatus, type Response } from '../lib/http.js';

/**
 * The browser's part of "Sign in with ORCID" against any relying party: its start URL (303 to
 * ORCID with `state` in a cookie) → the emulator's authorize endpoint, signing in headlessly as
 * `orcid` (302 with a code) → the relying party's callback, which does the token POST and the
 * email GET server-side. Returns the callback's answer.
 */
export async function orcidRoundTrips(it: Iteration, startUrl: string, orcid: string): Promise<Response> {
  const { browser, step } = it;
  const start = expectStatus('start', await step('start', browser.get(startUrl)), 303, 302);
  const authorize = new URL(start.location!);
  authorize.searchParams.set('login_as', orcid);
  const granted = expectStatus('authorize', await step('authorize (emulator)', browser.get(authorize.href)), 302);
  if (!granted.location || !granted.location.includes('code='))
    throw new Error(`authorize: no code in ${granted.location?.split('?')[0]}`);
  return step('callback', browser.get(granted.location));
}

/** The answer signs the browser in: a redirect that sets `cookieName`. */
export function expectSession(res: Response, cookieName: string): void {
  expectStatus('callback', res, 303, 302);
  if (!res.setCookies.some((c) => c.startsWith(`${cookieName}=`) && !/max-age=0/i.test(c)))
    throw new Error('callback: no session cookie');
}
