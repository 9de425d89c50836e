// The ID-token signing key. Generated once per emulator state and imported into WebCrypto once,
// so signing costs one RSA operation on libuv's thread pool and no per-request key import.
import { generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { randomKid } from './lib/random.js';

/** The public key as ORCID publishes it: `kty, e, use, kid, n` and no `alg` (§1.9.2). */
export interface OrcidJwk {
  kty: 'RSA';
  e: string;
  use: 'sig';
  kid: string;
  n: string;
}

export class SigningKey {
  readonly kid: string;
  readonly jwk: OrcidJwk;
  readonly #privateKey: KeyObject;
  #cryptoKey: Promise<webcrypto.CryptoKey> | undefined;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { n, e } = publicKey.export({ format: 'jwk' });
    this.kid = randomKid();
    this.jwk = { kty: 'RSA', e: e!, use: 'sig', kid: this.kid, n: n! };
    this.#privateKey = privateKey;
  }

  /**
   * Signs claims as an RS256 compact JWS with ORCID's header `{"kid","alg"}`, in that order and
   * without `typ` (decoded from both example JWTs in ORCID_AUTH_WITH_OPENID_CONNECT.md; §1.9.3).
   */
  async sign(claims: JWTPayload): Promise<string> {
    this.#cryptoKey ??= webcrypto.subtle.importKey(
      'pkcs8',
      this.#privateKey.export({ format: 'der', type: 'pkcs8' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    return new SignJWT(claims).setProtectedHeader({ kid: this.kid, alg: 'RS256' }).sign(await this.#cryptoKey);
  }
}
