import { createHmac } from 'node:crypto';
import type { SecretKey } from '../config/schema.js';
import { randomToken } from '../crypto/token.js';
import { open, seal } from '../crypto/seal.js';
import type { Db } from '../db/connect.js';

const MODEL = 'LanyardPairwise';
const ID = 'salt';

/**
 * The secret behind pairwise subject identifiers. Made once by the first process (a random value,
 * sealed with the secret key like the signing keys) and never changed: a client's pairwise `sub`
 * must stay the same for as long as the account exists, also across a rotation of the secret key
 * or of the signing keys.
 */
export function loadPairwiseSalt(db: Db, secretKeys: SecretKey[]): Promise<string> {
  let salt = salts.get(db);
  if (!salt) {
    salt = readOrCreateSalt(db, secretKeys);
    // A failed read is tried again next time rather than remembered.
    salt.catch(() => salts.delete(db));
    salts.set(db, salt);
  }
  return salt;
}

/** Read once per database handle: the salt never changes once made. */
const salts = new WeakMap<Db, Promise<string>>();

async function readOrCreateSalt(db: Db, secretKeys: SecretKey[]): Promise<string> {
  const stored = () =>
    db.selectFrom('oidc_payload').select('payload').where('model', '=', MODEL).where('id', '=', ID).executeTakeFirst();
  let row = await stored();
  if (!row) {
    await db
      .insertInto('oidc_payload')
      .values({
        model: MODEL,
        id: ID,
        payload: JSON.stringify({ sealed: seal(secretKeys, randomToken()) }),
        grant_id: null,
        uid: null,
        expires_at: null,
      })
      .onConflict((oc) => oc.columns(['model', 'id']).doNothing())
      .execute();
    row = await stored();
  }
  return open(secretKeys, (row!.payload as { sealed: string }).sealed);
}

/**
 * A pairwise subject (OpenID Connect Core §8.1): HMAC-SHA256 of the client's sector (the host of
 * its redirect URI) and the account id under the secret salt. The same for every client of one
 * sector, different for every other; without the salt, two values cannot be tied to each other
 * or to the account.
 */
export function pairwiseSubject(salt: string, sector: string, accountId: string): string {
  return createHmac('sha256', salt).update(`${sector}\n${accountId}`).digest('base64url');
}
