// grant_type=authorization_code (docs/design.md, ORCID §1.4-§1.5).
import type { FastifyReply } from 'fastify';
import { oauthError } from '../lib/errors.js';
import type { EmulatorClient, OrcidEmulatorState } from '../state.js';
import { ACCESS_TOKEN_LIFETIME_MS, sendTokenResponse } from './response.js';

// The documented text for a wrong client, secret or redirect URI at exchange (tutorial/
// api_errors.md); the `invalid_grant` code is nemar's inference, ORCID documents none.
const BAD_PARAMETERS = 'One of the provided parameters is invalid, or, the provided token/code is invalid or expired';

export async function authorizationCodeGrant(
  state: OrcidEmulatorState,
  client: EmulatorClient,
  form: URLSearchParams,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const code = form.get('code');
  if (!code) return oauthError(reply, 401, 'invalid_request', 'code is required');
  const now = state.now();
  const found = state.codes.take(code, now);
  if (found.kind === 'invalid') {
    return oauthError(reply, 400, 'invalid_grant', `Invalid authorization code: ${code}`);
  }
  if (found.kind === 'reused') {
    // A second exchange disables the tokens the first one got (src@legacy
    // `OrcidAuthorizationCodeTokenGranter` L88-94): a stolen code then burns the real session too.
    state.tokens.revokeFromCode(code);
    return oauthError(reply, 400, 'invalid_grant', `Reused authorization code: ${code}`);
  }
  const { record } = found;
  // `redirect_uri` must equal the authorize-time value, which authorize always requires; a
  // missing one at exchange is a mismatch (src@legacy L146-151). The code is spent either way.
  if (record.clientId !== client.clientId || form.get('redirect_uri') !== record.redirectUri) {
    return oauthError(reply, 400, 'invalid_grant', BAD_PARAMETERS);
  }
  // `scope` and `code_verifier` are ignored: the 2026 proxy forwards neither for this grant
  // (ORCID-Source@HEAD `AuthorizationServerUtil`), so PKCE is never checked.
  const grant = state.tokens.issue({
    clientId: client.clientId,
    orcid: record.orcid,
    scopes: record.scopes,
    expiresAt: now + ACCESS_TOKEN_LIFETIME_MS,
    fromCode: record.code,
    nonce: record.nonce,
    authTime: record.authTime,
  });
  return sendTokenResponse(state, reply, grant, { client, withIdToken: true });
}
