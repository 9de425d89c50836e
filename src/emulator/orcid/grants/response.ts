// The token endpoint's success body, ORCID's non-standard shape (docs/design.md, ORCID §1.4):
// `access_token, token_type, refresh_token, expires_in, scope, name, orcid[, id_token]`.
import type { FastifyReply } from 'fastify';
import { idTokenClaims } from '../id-token.js';
import { publicDisplayName } from '../lib/names.js';
import { sendJson } from '../lib/reply.js';
import { OPENID } from '../lib/scopes.js';
import type { EmulatorClient, OrcidEmulatorState } from '../state.js';
import type { TokenGrant } from '../store/tokens.js';

/** 631138519 s ≈ 20 years (src@legacy `org.orcid.core.token.read_validity_seconds`). */
export const ACCESS_TOKEN_LIFETIME_MS = 631_138_519_000;

/**
 * Seconds left, as Spring computed it a moment after issuing: every documented response says
 * 631138518, one less than the configured validity, so the emulator answers as if a
 * millisecond had passed.
 */
export const expiresIn = (expiresAt: number, now: number): number => Math.ceil((expiresAt - now) / 1000) - 1;

export async function sendTokenResponse(
  state: OrcidEmulatorState,
  reply: FastifyReply,
  grant: TokenGrant,
  opts: { client: EmulatorClient; withIdToken: boolean },
): Promise<FastifyReply> {
  const now = state.now();
  const body: Record<string, unknown> = {
    access_token: grant.accessToken,
    // Lowercase `bearer`; openid-client lower-cases before comparing, strict clients may not.
    token_type: 'bearer',
    refresh_token: grant.refreshToken,
    expires_in: expiresIn(grant.expiresAt, now),
    scope: grant.scopes.join(' '),
  };
  const user = grant.orcid === null ? undefined : state.users.get(grant.orcid);
  if (grant.orcid === null) {
    // client_credentials: `"orcid":null` and no `name` key (tutorial/read_public.md; nemar-observed).
    body.orcid = null;
  } else {
    // The public display name or "" (never null); the bare iD, not a URI.
    body.name = user ? publicDisplayName(user) : '';
    body.orcid = grant.orcid;
  }
  // Only when `openid` was granted, and never on refresh (src@legacy `OpenIDConnectTokenEnhancer`).
  if (opts.withIdToken && user && grant.scopes.includes(OPENID)) {
    body.id_token = await state.signingKey.sign(
      idTokenClaims({
        issuer: state.baseUrl,
        clientId: opts.client.clientId,
        member: opts.client.member,
        user,
        accessToken: grant.accessToken,
        nonce: grant.nonce,
        authTime: grant.authTime ?? now,
        now,
        lifetimeSeconds: state.idTokenLifetimeSeconds,
      }),
    );
  }
  return sendJson(reply, 200, body);
}
