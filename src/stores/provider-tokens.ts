import type { SecretKey } from '../config/schema.js';
import { open, seal } from '../crypto/seal.js';
import type { Db } from '../db/connect.js';

export interface ProviderTokens {
  accessToken: string;
  refreshToken?: string | null;
  scopes: string[];
  expiresAt?: Date | null;
}

/** Stores an identity's provider tokens sealed with the current key (product.md §2). */
export async function saveProviderTokens(
  db: Db,
  keys: SecretKey[],
  identityId: string,
  t: ProviderTokens,
  now: Date,
): Promise<void> {
  const values = {
    key_id: keys[0]!.id,
    access_token: seal(keys, t.accessToken),
    refresh_token: t.refreshToken ? seal(keys, t.refreshToken) : null,
    scopes: t.scopes.join(' '),
    expires_at: t.expiresAt ?? null,
    updated_at: now,
  };
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
