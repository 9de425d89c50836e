// Validating `GET /oauth/authorize` (docs/design.md, ORCID §1.2). What can be trusted decides how
// an error is told: before the client and redirect URI are known good, never redirect (400);
// after, redirect with the current front end's fragment errors (orcid-angular
// `oauth.service.ts` `handleSessionErrors`: `${redirectUrl}#error=${error}`, no `state`).
import { authorizeScopes, OPENID, splitScopes } from '../lib/scopes.js';
import { redirectUriMatches } from '../lib/redirect-uri.js';
import type { EmulatorClient, OrcidEmulatorState } from '../state.js';

export interface AuthorizeRequest {
  client: EmulatorClient;
  redirectUri: string;
  scopes: string[];
  state: string | null;
  nonce: string | null;
  /** `prompt` and `max_age` are honoured with `openid` only (ORCID_AUTH_WITH_OPENID_CONNECT.md). */
  prompt: string | null;
  maxAgeSeconds: number | null;
}

export type AuthorizeValidation =
  | { kind: 'ok'; request: AuthorizeRequest }
  /** 400, never a redirect: the redirect target itself is not trusted. */
  | { kind: 'reject'; description: string }
  | { kind: 'redirect'; location: string };

const reject = (description: string): AuthorizeValidation => ({ kind: 'reject', description });

export function validateAuthorizeRequest(state: OrcidEmulatorState, params: URLSearchParams): AuthorizeValidation {
  // Unknown client: 400 `{"error_description":"Invalid parameter: client_id","error":"invalid_request"}`
  // (nemar-observed); the same shape is used for the other never-redirect cases.
  const client = state.clients.get(params.get('client_id') ?? '');
  if (!client) return reject('Invalid parameter: client_id');
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri || !redirectUriMatches(redirectUri, client.redirectUris)) {
    return reject('Invalid parameter: redirect_uri');
  }
  const responseType = params.get('response_type');
  if (!responseType) return reject('Invalid parameter: response_type');
  // Implicit (`token`, `id_token token`) is deprecated and not emulated; see docs.
  if (responseType !== 'code') return { kind: 'redirect', location: `${redirectUri}#error=unsupported_response_type` };
  const scopes = authorizeScopes(splitScopes(params.get('scope')), client.member);
  if (scopes === null) return { kind: 'redirect', location: `${redirectUri}#error=invalid_scope` };

  const openid = scopes.includes(OPENID);
  const maxAge = params.get('max_age');
  // "Invalid max_age param" (legacy `OauthHelper`).
  if (openid && maxAge !== null && !/^\d+$/.test(maxAge)) return reject('Invalid max_age param');
  return {
    kind: 'ok',
    request: {
      client,
      redirectUri,
      scopes,
      state: params.get('state'),
      nonce: params.get('nonce'),
      prompt: openid ? params.get('prompt') : null,
      maxAgeSeconds: openid && maxAge !== null ? Number(maxAge) : null,
    },
  };
}

/** The key of the skip-consent memory: this user approved this client for these scopes. */
export const approvalKey = (clientId: string, orcid: string, scopes: readonly string[]): string =>
  `${clientId} ${orcid} ${[...scopes].sort().join(' ')}`;
