import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { JWK } from 'oidc-provider';
import type { SecretKey } from '../config/schema.js';
import { randomToken } from '../crypto/token.js';
import { open, seal } from '../crypto/seal.js';
import type { Db } from '../db/connect.js';

/** The OpenID provider's private keys: ID-token signing keys (JWKS) and the keys that sign its cookies. */
export interface ProviderKeys {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
}

const MODEL = 'LanyardKeys';
const ID = 'current';

function freshKeys(): ProviderKeys {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' } as JWK;
  return { jwks: { keys: [jwk] }, cookieKeys: [randomToken()] };
}

/**
 * The keys every Lanyard process signs with. The first process to start generates them and stores
 * them sealed with the secret key (src/crypto/seal.ts); a process starting at the same moment loses
 * the insert race and reads the winner's, so all processes always share one set.
 */
export async function loadProviderKeys(db: Db, secretKeys: SecretKey[]): Promise<ProviderKeys> {
  const stored = () =>
    db.selectFrom('oidc_payload').select('payload').where('model', '=', MODEL).where('id', '=', ID).executeTakeFirst();
  let row = await stored();
  if (!row) {
    await db
      .insertInto('oidc_payload')
      .values({
        model: MODEL,
        id: ID,
        payload: JSON.stringify({ sealed: seal(secretKeys, JSON.stringify(freshKeys())) }),
        grant_id: null,
        uid: null,
        expires_at: null,
      })
      .onConflict((oc) => oc.columns(['model', 'id']).doNothing())
      .execute();
    row = await stored();
  }
  return JSON.parse(open(secretKeys, (row!.payload as { sealed: string }).sealed)) as ProviderKeys;
}
