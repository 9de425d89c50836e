// ID-token claims as ORCID builds them (src@legacy `OpenIDConnectTokenEnhancer.buildIdToken`;
// docs/design.md, ORCID §1.9.3), in the order of the decoded documentation example.
import { createHash, randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { publicNameClaims } from './lib/names.js';
import type { EmulatorUser } from './store/users.js';

export interface IdTokenInput {
  issuer: string;
  clientId: string;
  member: boolean;
  user: EmulatorUser;
  accessToken: string;
  nonce: string | null;
  /** Epoch ms of the user's last sign-in. */
  authTime: number;
  now: number;
  lifetimeSeconds: number;
}

/** base64url of the left half of SHA-256(access_token), also in the code flow (Nimbus `AccessTokenHash`). */
export function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
}

export function idTokenClaims(input: IdTokenInput): JWTPayload {
  const iat = Math.floor(input.now / 1000);
  const names = publicNameClaims(input.user);
  const claims: JWTPayload = {
    // `aud` is a plain string, not an array.
    aud: input.clientId,
    sub: input.user.orcid,
    auth_time: Math.floor(input.authTime / 1000),
  };
  // `amr` is a *string* and only member clients get it; strict clients (authlib#725) trip on it.
  if (input.member) claims.amr = input.user.mfa ? 'mfa' : 'pwd';
  claims.iss = input.issuer;
  claims.exp = iat + input.lifetimeSeconds;
  claims.iat = iat;
  if (input.nonce !== null) claims.nonce = input.nonce;
  claims.jti = randomUUID();
  claims.at_hash = atHash(input.accessToken);
  // Name claims appear only when public; `name` is the credit name, never "given family".
  if (names.given_name !== null) claims.given_name = names.given_name;
  if (names.family_name !== null) claims.family_name = names.family_name;
  if (names.name !== null) claims.name = names.name;
  return claims;
}
