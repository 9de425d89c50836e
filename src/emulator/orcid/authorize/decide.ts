// What an authorize request leads to, given who is signed in and the emulator's test hooks.
// A pure function of its inputs so every branch is testable on its own.
import type { EmulatorSession } from '../session.js';
import type { AuthorizeRequest } from './request.js';

/** Emulator-only query parameters, never sent by a real client. */
export interface AuthorizeHooks {
  /** Sign in as this fixture user (and grant, unless `deny`). */
  loginAs: string | null;
  /** Press "Deny". */
  deny: boolean;
  /** Press "Authorize" on the consent page of a signed-in session. */
  approve: boolean;
}

export type AuthorizeDecision =
  | { kind: 'grant'; orcid: string; authTime: number; signIn: boolean }
  | { kind: 'deny'; signInAs: string | null }
  | { kind: 'fragment-error'; fragment: string }
  | { kind: 'sign-in-page'; session?: EmulatorSession }
  | { kind: 'consent-page'; session: EmulatorSession };

export interface DecisionContext {
  request: AuthorizeRequest;
  hooks: AuthorizeHooks;
  /** A session whose user still exists, or null. */
  session: EmulatorSession | null;
  /** True when this user already approved this client for these scopes. */
  approved: (orcid: string) => boolean;
  now: number;
  /** Demo: show the user picker even when a session could continue silently. */
  alwaysChooseUser?: boolean;
}

export function decideAuthorize({
  request,
  hooks,
  session,
  approved,
  now,
  alwaysChooseUser,
}: DecisionContext): AuthorizeDecision {
  if (hooks.loginAs !== null) {
    return hooks.deny
      ? { kind: 'deny', signInAs: hooks.loginAs }
      : { kind: 'grant', orcid: hooks.loginAs, authTime: now, signIn: true };
  }
  if (hooks.deny) return { kind: 'deny', signInAs: null };

  // `max_age` makes an older sign-in count as none.
  const current =
    session !== null && (request.maxAgeSeconds === null || now - session.authTime <= request.maxAgeSeconds * 1000)
      ? session
      : null;
  const resume = (s: EmulatorSession): AuthorizeDecision => ({
    kind: 'grant',
    orcid: s.orcid,
    authTime: s.authTime,
    signIn: false,
  });

  if (request.prompt === 'none') {
    // The current front end redirects to `redirect_uri#login_required`, literally without
    // `error=` (orcid-angular `authorize.guard.ts`; docs/design.md, ORCID §1.2.2). Signed in but never
    // approved: `interaction_required`, written the way the front end writes its other errors.
    if (current === null) return { kind: 'fragment-error', fragment: 'login_required' };
    return approved(current.orcid)
      ? resume(current)
      : { kind: 'fragment-error', fragment: 'error=interaction_required' };
  }
  if (request.prompt === 'login' || current === null) return { kind: 'sign-in-page' };
  if (alwaysChooseUser && !hooks.approve) return { kind: 'sign-in-page', session: current };
  // Skip-consent: signed in and already approved (https://info.orcid.org/faq-category/oauth/page/2/
  // "When is authorization skipped?"); the emulator remembers approvals rather than live tokens.
  if (hooks.approve || approved(current.orcid)) return resume(current);
  return { kind: 'consent-page', session: current };
}
