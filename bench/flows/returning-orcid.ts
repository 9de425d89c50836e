import type { Flow } from '../load.js';
import { csrfFieldOf, expectStatus } from '../lib/http.js';
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
 */
export function enrolFlow(lanyardUrl: string, users: readonly string[]): Flow {
  return async (it) => {
    const res = expectStatus('callback', await orcidRoundTrips(it, `${lanyardUrl}/login/orcid`, users[it.index]!), 303);
    const page = expectStatus('registration page', await it.browser.get(res.location!), 200);
    const created = await it.browser.post(`${res.location!}/create`, { _csrf: csrfFieldOf(page.body) });
    expectStatus('create account', created, 303);
  };
}
