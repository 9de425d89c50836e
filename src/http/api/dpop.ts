import { hash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import { LanyardError } from '../../errors.js';
import type { Lanyard } from '../../lanyard.js';
import { DPOP_ALGORITHMS } from '../../openid-provider/provider.js';
import { firstUseOfProof } from '../../stores/oidc-payloads.js';

/**
 * DPoP (RFC 9449) at Lanyard's own resource, the ORCID API: a repository whose access token is
 * bound to its key sends it as `Authorization: DPoP <token>` with a fresh proof in the `DPoP`
 * header, a JWT signed by that key for this one request. The checks are those the OpenID
 * provider makes at userinfo, with the same algorithms and window.
 */

/** A proof is fresh for five minutes either side of its `iat`, as at the provider. */
const WINDOW_SECONDS = 300;

/** A proof's JWT is small (a header with a public key, six claims): anything longer is not one. */
const MAX_PROOF_LENGTH = 4096;

/** The challenge naming DPoP beside Bearer (RFC 9449 §7.1). */
export const DPOP_CHALLENGE = `DPoP algs="${DPOP_ALGORITHMS.join(' ')}"`;

const invalidProof = (reply: FastifyReply, why: string) => {
  reply.header(
    'www-authenticate',
    `DPoP error="invalid_dpop_proof", error_description="${why}", algs="${DPOP_ALGORITHMS.join(' ')}"`,
  );
  return new LanyardError('DPOP_PROOF_INVALID', `The DPoP proof is not valid: ${why}.`);
};

/**
 * Checks the request's DPoP proof for `accessToken`, a token of `clientId` bound to the key whose
 * thumbprint is `jkt`: one proof (a JWT of type `dpop+jwt` signed with the public key in its
 * header), for this method and this URL without its query, issued within five minutes of now,
 * for this very token (`ath`), by the key the token is bound to, and never used before by the
 * client (its `jti`, recorded in the database, so on every process). Lanyard asks for no nonces,
 * so a proof carrying one was not made for it. Throws 401 `DPOP_PROOF_INVALID` otherwise.
 */
export async function verifyDpopProof(
  lanyard: Lanyard,
  request: FastifyRequest,
  reply: FastifyReply,
  token: { value: string; clientId: string; jkt: string },
): Promise<void> {
  const proof = request.headers.dpop;
  // Node joins a repeated header with ", ", which no JWT contains: two proofs fail as one bad one.
  if (typeof proof !== 'string' || proof === '') throw invalidProof(reply, 'the DPoP header is missing');
  if (proof.length > MAX_PROOF_LENGTH) throw invalidProof(reply, 'too long');
  let payload: Record<string, unknown>;
  let jwk: JWK;
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, { algorithms: [...DPOP_ALGORITHMS], typ: 'dpop+jwt' });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk!;
  } catch {
    throw invalidProof(reply, 'not a proof signed by the key in its header');
  }
  // The proof's `iat` is the repository's clock, held against real time as the provider holds the
  // proofs it takes (at the token endpoint and userinfo); Lanyard's clock decides how long its
  // `jti` is remembered, as it decides every other expiry.
  const nowSeconds = Math.floor(Date.now() / 1000);
  const now = lanyard.clock.now();
  if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256)
    throw invalidProof(reply, 'no jti');
  if (typeof payload.iat !== 'number' || Math.abs(nowSeconds - payload.iat) > WINDOW_SECONDS)
    throw invalidProof(reply, 'not issued within five minutes of now');
  if (payload.nonce !== undefined) throw invalidProof(reply, 'Lanyard asked for no nonce');
  if (payload.htm !== request.method) throw invalidProof(reply, 'made for another method');
  const path = request.url.split('?', 1)[0]!;
  const htu = typeof payload.htu === 'string' ? URL.parse(payload.htu) : null;
  if (htu) {
    htu.search = '';
    htu.hash = '';
  }
  if (!htu || htu.href !== new URL(`${lanyard.config.publicUrl}${path}`).href)
    throw invalidProof(reply, 'made for another URL');
  if (payload.ath !== hash('sha256', token.value, 'base64url')) throw invalidProof(reply, 'made for another token');
  if ((await calculateJwkThumbprint(jwk)) !== token.jkt)
    throw invalidProof(reply, 'signed by another key than the token is bound to');
  // Remembered as long as the same proof could still be taken: an `iat` up to five minutes ahead
  // stays acceptable for five minutes after it, and through the second it is written in.
  const expiresAt = new Date(now.getTime() + (2 * WINDOW_SECONDS + 1) * 1000);
  if (!(await firstUseOfProof(lanyard.db, token.clientId, payload.jti, expiresAt, now)))
    throw invalidProof(reply, 'used before');
}
