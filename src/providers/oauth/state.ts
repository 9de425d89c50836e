import type { Config } from '../../config/schema.js';
import { hmac, randomToken, safeEqual } from '../../crypto/token.js';
import { LanyardError } from '../../errors.js';

/**
 * The OAuth `state` and `nonce`, bound to the browser: they travel in an HttpOnly cookie, signed
 * with the server key, that only this browser holds. The callback accepts a `state` only when it
 * equals the one in this browser's cookie (login-CSRF protection DSpace lacks, DSpace §6.2).
 * Nothing is stored server-side, so any Lanyard process can finish a flow another one began.
 */
export interface OAuthFlow {
  /** The provider entry the flow was started for; its callback accepts no other's flow. */
  provider: string;
  state: string;
  nonce: string;
  /** Where to go after sign-in (already checked against the allow-list). */
  returnTo: string;
  /**
   * 'link': a signed-in user is adding this provider to their account (docs/design.md §3 case 2);
   * 'consent': a signed-in user grants the provider's linked identity more access (more scopes),
   * and the callback replaces that identity's stored tokens.
   */
  intent: 'sign_in' | 'link' | 'consent';
  /** For 'link' and 'consent': the session that asked, so another session cannot finish it. */
  sessionId: string | null;
  /**
   * A sign-in that proves the identity of a mailed link opened in this browser (docs/security.md,
   * "A mailed link needs the identity too"): the registration it names, and the link's page to
   * go back to. The callback compares identities and signs nobody in.
   */
  proves?: { registration: string; back: string };
  /** Scopes to ask for instead of the provider's sign-in scopes ('consent'). */
  scopes?: string[];
  /** Expiry, epoch seconds. */
  exp: number;
  /** PKCE verifier, for providers that take PKCE (never sent to ORCID). */
  codeVerifier?: string;
}

const FLOW_TTL_SECONDS = 600;

export function newFlow(
  input: Pick<OAuthFlow, 'provider' | 'returnTo' | 'intent' | 'sessionId' | 'scopes' | 'proves'>,
  now: Date,
): OAuthFlow {
  return {
    ...input,
    state: randomToken(),
    nonce: randomToken(),
    exp: Math.floor(now.getTime() / 1000) + FLOW_TTL_SECONDS,
  };
}

export function encodeFlow(flow: OAuthFlow, config: Config): string {
  const body = Buffer.from(JSON.stringify(flow)).toString('base64url');
  return `${body}.${hmac(config.secretKeys[0]!.key, `oauth:${body}`)}`;
}

export function decodeFlow(cookie: string | undefined, config: Config, now: Date): OAuthFlow {
  const [body, mac] = (cookie ?? '').split('.');
  if (!body || !mac || !config.secretKeys.some((k) => safeEqual(mac, hmac(k.key, `oauth:${body}`)))) {
    throw new LanyardError(
      'OAUTH_STATE_INVALID',
      'The sign-in was not started in this browser, or it expired. Start again.',
    );
  }
  const flow = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as OAuthFlow;
  if (flow.exp * 1000 <= now.getTime())
    throw new LanyardError('OAUTH_STATE_INVALID', 'The sign-in took too long. Start again.');
  return flow;
}

/** The callback's `state` must be the one this browser's flow holds, for this provider. */
export function checkState(flow: OAuthFlow, received: unknown, provider: string): void {
  if (flow.provider !== provider || typeof received !== 'string' || !safeEqual(received, flow.state)) {
    throw new LanyardError(
      'OAUTH_STATE_INVALID',
      'The sign-in response does not belong to the sign-in this browser has under way. Start again.',
    );
  }
}
