import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { JWK } from 'oidc-provider';
import type { SecretKey } from '../config/schema.js';
import { randomToken } from '../crypto/token.js';
import { open, seal } from '../crypto/seal.js';
import type { Db } from '../db/connect.js';
import { LanyardError } from '../errors.js';

/** Lifetime of an ID token in seconds: how long a rotated-out signing key stays published. */
export const ID_TOKEN_TTL = 3600;

/**
 * How long after a rotation the old signing keys stay in the JWKS: every ID token they signed has
 * expired by then (the ID token lifetime), plus a minute for relying parties' clocks running late.
 */
export const RETIRED_KEY_SECONDS = ID_TOKEN_TTL + 60;

/** The algorithms an ID token may be signed with; every key generation holds one key for each. */
export const signingAlgs = ['RS256', 'ES256'] as const;
export type SigningAlg = (typeof signingAlgs)[number];

/**
 * How long a new key is published before it signs. Relying parties cache the JWKS and fetch it again
 * for an unknown kid only after a cool-down (openid-client: after 60 s, at the latest after 5 min;
 * jose's remote key set: 30 s, 10 min): a key they already hold when its first ID token arrives
 * never fails a sign-in.
 */
export const PREPUBLISH_SECONDS = 600;

/**
 * One private signing key: published from `createdAt`, signing from `activeFrom` (seconds since the
 * epoch) until a newer key of its algorithm is active; then published for `RETIRED_KEY_SECONDS` more.
 */
export interface SigningKey {
  jwk: JWK;
  createdAt: number;
  activeFrom: number;
}

/** The OpenID provider's private keys: ID-token signing keys and the keys that sign its cookies. */
export interface ProviderKeys {
  keys: SigningKey[];
  cookieKeys: string[];
}

/** The stored row: `version` in clear (a process compares it on every request), the keys sealed. */
interface StoredKeys {
  version?: number;
  sealed: string;
}

const MODEL = 'LanyardKeys';
const ID = 'current';

function newKey(alg: SigningAlg, now: number, activeFrom = now): SigningKey {
  const { privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg, use: 'sig' } as JWK;
  return { jwk, createdAt: now, activeFrom };
}

const seconds = (at: Date) => Math.floor(at.getTime() / 1000);

/** Keys stored before rotation existed (`{ jwks, cookieKeys }`) read as one active RS256 key. */
function readKeys(secretKeys: SecretKey[], stored: StoredKeys): ProviderKeys {
  const plain = JSON.parse(open(secretKeys, stored.sealed)) as
    ProviderKeys | { jwks: { keys: JWK[] }; cookieKeys: string[] };
  if ('keys' in plain) return plain;
  return {
    keys: plain.jwks.keys.map((jwk) => ({ jwk, createdAt: 0, activeFrom: 0 })),
    cookieKeys: plain.cookieKeys,
  };
}

/** Each key's state at `at` (seconds): pending (published, not signing), current, retired (until when published). */
function keyStates(keys: ProviderKeys, at: number) {
  return keys.keys.map((key) => {
    const successor = keys.keys
      .filter((k) => k.jwk.alg === key.jwk.alg && k !== key && k.activeFrom > key.activeFrom && k.activeFrom <= at)
      .sort((a, b) => a.activeFrom - b.activeFrom)[0];
    const state: 'pending' | 'current' | 'retired' =
      key.activeFrom > at ? 'pending' : successor ? 'retired' : 'current';
    return { key, state, publishedUntil: successor ? successor.activeFrom + RETIRED_KEY_SECONDS : undefined };
  });
}

/** The keys that sign at `now`: the newest active key of each algorithm. */
export function currentKeys(keys: ProviderKeys, now: Date): SigningKey[] {
  return keyStates(keys, seconds(now))
    .filter((s) => s.state === 'current')
    .map((s) => s.key);
}

/**
 * The JWKS the provider is built with at `now`: the current keys first (the provider signs with the
 * first key of an algorithm), then keys about to sign, then retired keys whose ID tokens may still be valid.
 */
export function publishedKeys(keys: ProviderKeys, now: Date): JWK[] {
  const at = seconds(now);
  const states = keyStates(keys, at);
  const order = { current: 0, pending: 1, retired: 2 };
  return states
    .filter((s) => s.state !== 'retired' || at < s.publishedUntil!)
    .sort((a, b) => order[a.state] - order[b.state] || b.key.activeFrom - a.key.activeFrom)
    .map((s) => s.key.jwk);
}

const storedRow = (db: Db) =>
  db.selectFrom('oidc_payload').select('payload').where('model', '=', MODEL).where('id', '=', ID).executeTakeFirst();

/**
 * Replaces the stored keys if nobody else did since `version` was read (one conditional UPDATE):
 * false when another process won, so the caller reads again.
 */
async function replaceKeys(db: Db, secretKeys: SecretKey[], version: number, keys: ProviderKeys): Promise<boolean> {
  const payload: StoredKeys = { version: version + 1, sealed: seal(secretKeys, JSON.stringify(keys)) };
  const done = await db
    .updateTable('oidc_payload')
    .set({ payload: JSON.stringify(payload) })
    .where('model', '=', MODEL)
    .where('id', '=', ID)
    .where(sql<string>`coalesce(payload->>'version', '0')`, '=', String(version))
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}

/**
 * The keys every Lanyard process signs with, and their version. The first process to start
 * generates them and stores them sealed with the secret key (src/crypto/seal.ts); a process
 * starting at the same moment loses the insert race and reads the winner's, so all processes
 * always share one set. Keys stored before ES256 existed get their ES256 key here.
 */
export async function loadProviderKeys(
  db: Db,
  secretKeys: SecretKey[],
  now: Date,
): Promise<{ version: number; keys: ProviderKeys }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = await storedRow(db);
    if (!row) {
      const keys: ProviderKeys = {
        keys: signingAlgs.map((alg) => newKey(alg, seconds(now))),
        cookieKeys: [randomToken()],
      };
      const payload: StoredKeys = { version: 1, sealed: seal(secretKeys, JSON.stringify(keys)) };
      await db
        .insertInto('oidc_payload')
        .values({ model: MODEL, id: ID, payload: JSON.stringify(payload), grant_id: null, uid: null, expires_at: null })
        .onConflict((oc) => oc.columns(['model', 'id']).doNothing())
        .execute();
      continue;
    }
    const stored = row.payload as unknown as StoredKeys;
    const version = stored.version ?? 0;
    const keys = readKeys(secretKeys, stored);
    const missing = signingAlgs.filter((alg) => !keys.keys.some((k) => k.jwk.alg === alg));
    if (missing.length === 0) return { version, keys };
    const upgraded = { ...keys, keys: [...missing.map((alg) => newKey(alg, seconds(now))), ...keys.keys] };
    if (await replaceKeys(db, secretKeys, version, upgraded)) return { version: version + 1, keys: upgraded };
  }
  throw new LanyardError('INTERNAL', 'The OpenID provider keys changed too often while being read.');
}

/** The stored keys' version (one primary-key lookup): a process reloads its keys when it changes. */
export async function providerKeysVersion(db: Db): Promise<number | undefined> {
  const row = await db
    .selectFrom('oidc_payload')
    .select(sql<string | null>`payload->>'version'`.as('version'))
    .where('model', '=', MODEL)
    .where('id', '=', ID)
    .executeTakeFirst();
  return row ? Number(row.version ?? 0) : undefined;
}

export interface KeyDescription {
  kid: string;
  alg: string;
  state: 'pending' | 'current' | 'retired';
  /** When a pending key starts signing (ISO 8601). */
  signs_from?: string;
  /** When a retired key leaves the JWKS (ISO 8601). */
  published_until?: string;
}

const iso = (s: number) => new Date(s * 1000).toISOString();

/** The stored keys as the operator sees them at `now`: never a private part. */
export function describeKeys(keys: ProviderKeys, now: Date): KeyDescription[] {
  const at = seconds(now);
  return keyStates(keys, at).map(({ key, state, publishedUntil }) => ({
    kid: String(key.jwk.kid),
    alg: String(key.jwk.alg),
    state,
    ...(state === 'pending' ? { signs_from: iso(key.activeFrom) } : {}),
    ...(publishedUntil !== undefined ? { published_until: iso(publishedUntil) } : {}),
  }));
}

/**
 * `npx lanyard oidc rotate-keys`: a new key of each algorithm, published at once and signing
 * `PREPUBLISH_SECONDS` later (`immediately`: at once). The keys it replaces stay published until
 * their ID tokens have expired. Keys whose publication ended are deleted. Cookie keys stay.
 * `compromised`: the new keys sign at once and every other key is deleted at once — its ID tokens,
 * valid or forged, verify nowhere from the next request on.
 */
export async function rotateProviderKeys(
  db: Db,
  secretKeys: SecretKey[],
  now: Date,
  opts: { immediately?: boolean; compromised?: boolean } = {},
): Promise<{ keys: KeyDescription[]; dropped: string[] }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { version, keys } = await loadProviderKeys(db, secretKeys, now);
    const at = seconds(now);
    const activeFrom = opts.immediately || opts.compromised ? at : at + PREPUBLISH_SECONDS;
    const fresh = signingAlgs.map((alg) => newKey(alg, at, activeFrom));
    const gone = new Set(
      keyStates(keys, at)
        .filter((s) => opts.compromised || (s.state === 'retired' && at >= s.publishedUntil!))
        .map((s) => s.key),
    );
    const next: ProviderKeys = { ...keys, keys: [...fresh, ...keys.keys.filter((k) => !gone.has(k))] };
    if (await replaceKeys(db, secretKeys, version, next)) {
      return { keys: describeKeys(next, now), dropped: [...gone].map((k) => String(k.jwk.kid)) };
    }
  }
  throw new LanyardError('INTERNAL', 'The OpenID provider keys changed too often while rotating.');
}
