// grant_type=refresh_token (tutorial/refresh_tokens.md; src@legacy
// `OrcidRandomValueTokenServicesImpl.refreshAccessToken`; docs/design.md, ORCID §1.6).
import type { FastifyReply } from 'fastify';
import { oauthError } from '../lib/errors.js';
import { splitScopes } from '../lib/scopes.js';
import type { EmulatorClient, OrcidEmulatorState } from '../state.js';
import { sendTokenResponse } from './response.js';

export async function refreshTokenGrant(
  state: OrcidEmulatorState,
  client: EmulatorClient,
  form: URLSearchParams,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const refreshToken = form.get('refresh_token');
  if (!refreshToken) return oauthError(reply, 401, 'invalid_request', 'refresh_token is required');
  const parent = state.tokens.byRefreshToken(refreshToken, state.now());
  if (!parent || parent.clientId !== client.clientId) {
    return oauthError(reply, 400, 'invalid_grant', `Invalid refresh token: ${refreshToken}`);
  }
  // An empty `scope` takes the parent's; otherwise it must be a subset.
  const requested = splitScopes(form.get('scope'));
  const outside = requested.filter((s) => !parent.scopes.includes(s));
  if (outside.length > 0) return oauthError(reply, 400, 'invalid_scope', `Invalid scopes: ${outside.join(' ')}`);
  // A new access *and* refresh token, the parent's expiry kept. The parent is always revoked:
  // `revoke_old` defaulted to true and the 2026 proxy no longer forwards it, nor `expires_in`.
  state.tokens.revoke(parent);
  const { accessToken: _access, refreshToken: _refresh, ...inherited } = parent;
  const grant = state.tokens.issue({ ...inherited, scopes: requested.length > 0 ? requested : parent.scopes });
  return sendTokenResponse(state, reply, grant, { client, withIdToken: false });
}
