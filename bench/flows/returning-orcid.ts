import type { Flow } from '../load.js';
import { Browser, csrfFieldOf, expectStatus } from '../lib/http.js';
import { expectSession, orcidRoundTrips } from './orcid.js';

/**
 * (a) A returning researcher signs in with ORCID: start → authorize → callback (token, email,
 * session). `users` already have an account and a linked iD; iteration i signs in users[i mod n].
 */
export function returningOrcidFlow(lanyardUrl: string, users: readonly string[]): Flow {
  return async (it) => {
    const res = await orcidRoundTrips(it, `${lanyardUrl}/login/orcid`, users[it.index % users.length]!);
    expectSession(res, 'lanyard-session');
  };
}

/**
 * Makes `users` returning users the way a person does on a first sign-in with a public, verified
 * email no account uses (docs/design.md §3 case 4): the callback leads to /external-login/:token,
 * whose "Create my account" links the iD. Run once per user before the timed phases.
 *
 * A connection can drop under a loaded machine (a socket hang up once stopped a whole run here),
 * so an enrolment whose connection dropped is tried again, up to three times, in a fresh browser;
 * if the account was created before the drop, the callback signs the person straight in and that
 * counts as enrolled. Any other error (a status, a page without its form) ends the run as before.
 */
export function enrolFlow(lanyardUrl: string, users: readonly string[]): Flow {
  return async (it) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const browser = attempt === 1 ? it.browser : new Browser();
        const res = expectStatus(
          'callback',
          await orcidRoundTrips({ ...it, browser }, `${lanyardUrl}/login/orcid`, users[it.index]!),
          303,
        );
        if (attempt > 1 && !new URL(res.location!, lanyardUrl).pathname.startsWith('/external-login/')) {
          expectSession(res, 'lanyard-session');
          return;
        }
        const page = expectStatus('registration page', await browser.get(res.location!), 200);
        const created = await browser.post(`${res.location!}/create`, { _csrf: csrfFieldOf(page.body) });
        expectStatus('create account', created, 303);
        return;
      } catch (e) {
        if (attempt === 3 || !dropped(e)) throw e;
      }
    }
  };
}

/** A connection that dropped (the client's own words for it), not an answer Lanyard gave. */
const dropped = (e: unknown) =>
  /socket hang up|ECONNRESET|EPIPE|other side closed|UND_ERR_SOCKET/i.test(
    `${(e as Error).message} ${String((e as { code?: unknown }).code ?? '')} ${String((e as { cause?: { code?: unknown } }).cause?.code ?? '')}`,
  );
