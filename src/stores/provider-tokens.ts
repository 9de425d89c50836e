import type { SecretKey } from '../config/schema.js';
import { open, seal } from '../crypto/seal.js';
import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import { type IdentityInput, touched } from './identities.js';

export interface ProviderTokens {
  accessToken: string;
  refreshToken?: string | null;
  scopes: string[];
  expiresAt?: Date | null;
}

/**
 * `touchIdentity` and `saveProviderTokens` in one statement — one round trip on every returning
 * sign-in instead of two: the identity (provider, subject) is refreshed and its tokens upserted;
 * returns the identity's id. Throws when no such identity exists, as `touchIdentity` does.
 */
export async function touchIdentityWithTokens(
  db: Db,
  key: { provider: string; subject: string },
  input: Pick<IdentityInput, 'email' | 'emailVerified' | 'profile'>,
  keys: SecretKey[],
  t: ProviderTokens,
  now: Date,
): Promise<string> {
  const values = tokenValues(keys, t, now);
  const row = await db
    .with('touched', (q) =>
      q
        .updateTable('identity')
        .set(touched(input, now))
        .where('provider', '=', key.provider)
        .where('subject', '=', key.subject)
        .returning('id'),
    )
    .insertInto('provider_token')
    .columns(['identity_id', 'key_id', 'access_token', 'refresh_token', 'scopes', 'expires_at', 'updated_at'])
    .expression((eb) =>
      eb
        .selectFrom('touched')
        .select([
          'touched.id',
          sql<string>`${values.key_id}::text`.as('key_id'),
          sql<string>`${values.access_token}::text`.as('access_token'),
          sql<string | null>`${values.refresh_token}::text`.as('refresh_token'),
          sql<string>`${values.scopes}::text`.as('scopes'),
          sql<Date | null>`${values.expires_at}::timestamptz`.as('expires_at'),
          sql<Date>`${values.updated_at}::timestamptz`.as('updated_at'),
        ]),
    )
    .onConflict((oc) => oc.column('identity_id').doUpdateSet(unlessNarrower))
    .returning('identity_id')
    .executeTakeFirstOrThrow();
  return row.identity_id;
}

/**
 * A sign-in's token replaces the stored one unless it allows less: a researcher who granted
 * repositories `/activities/update` on the ORCID console and then signs in (ORCID hands out an
 * `openid` token) keeps the access they granted. A stored token that expired, or that ORCID
 * refused (`needs_consent_at`), is always replaced.
 */
const covers = `(string_to_array(provider_token.scopes, ' ') <@ string_to_array(excluded.scopes, ' ')
  or provider_token.expires_at <= excluded.updated_at or provider_token.needs_consent_at is not null)`;
const upserted = ['key_id', 'access_token', 'refresh_token', 'scopes', 'expires_at', 'updated_at', 'needs_consent_at'];
const unlessNarrower = Object.fromEntries(
  upserted.map((c) => [c, sql.raw(`case when ${covers} then excluded.${c} else provider_token.${c} end`)]),
);
/** The same rule as SQL text, for statements written out in full (src/stores/returning-sign-in.ts). */
export const tokenUpsertSet = upserted
  .map((c) => `${c} = case when ${covers} then excluded.${c} else provider_token.${c} end`)
  .join(',\n  ');

export const tokenValues = (keys: SecretKey[], t: ProviderTokens, now: Date) => ({
  key_id: keys[0]!.id,
  access_token: seal(keys, t.accessToken),
  refresh_token: t.refreshToken ? seal(keys, t.refreshToken) : null,
  scopes: t.scopes.join(' '),
  expires_at: t.expiresAt ?? null,
  updated_at: now,
  // A fresh token is a fresh authorization: whatever ORCID refused before no longer stands.
  needs_consent_at: null,
});

/** Stores an identity's provider tokens sealed with the current key (docs/design.md §2), replacing any. */
export async function saveProviderTokens(
  db: Db,
  keys: SecretKey[],
  identityId: string,
  t: ProviderTokens,
  now: Date,
): Promise<void> {
  const values = tokenValues(keys, t, now);
  await db
    .insertInto('provider_token')
    .values({ identity_id: identityId, ...values })
    .onConflict((oc) => oc.column('identity_id').doUpdateSet(values))
    .execute();
}

export async function loadProviderTokens(
  db: Db,
  keys: SecretKey[],
  identityId: string,
): Promise<ProviderTokens | null> {
  const row = await db
    .selectFrom('provider_token')
    .selectAll()
    .where('identity_id', '=', identityId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    accessToken: open(keys, row.access_token),
    refreshToken: row.refresh_token ? open(keys, row.refresh_token) : null,
    scopes: row.scopes.split(' ').filter(Boolean),
    expiresAt: row.expires_at,
  };
}

/** Tokens sealed into a registration (pending flows) travel as one sealed JSON value. */
export const sealTokens = (keys: SecretKey[], t: ProviderTokens) => seal(keys, JSON.stringify(t));
export const openTokens = (keys: SecretKey[], sealed: string): ProviderTokens => {
  const t = JSON.parse(open(keys, sealed)) as ProviderTokens & { expiresAt?: string | null };
  return { ...t, expiresAt: t.expiresAt ? new Date(t.expiresAt) : null };
};
