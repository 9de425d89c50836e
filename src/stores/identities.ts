import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Db } from '../db/connect.js';
import type { Account, Identity, ProfileSnapshot } from '../db/schema.js';

export interface IdentityInput {
  provider: string;
  subject: string;
  issuer?: string | null;
  email?: string | null;
  emailVerified?: boolean;
  profile?: ProfileSnapshot;
  passwordHash?: string | null;
}

export async function findIdentity(db: Db, provider: string, subject: string): Promise<Identity | undefined> {
  return db
    .selectFrom('identity')
    .selectAll()
    .where('provider', '=', provider)
    .where('subject', '=', subject)
    .executeTakeFirst();
}

/** The account's identity of this provider, if any: an account holds at most one per provider. */
export async function identityOf(db: Db, accountId: string, provider: string): Promise<Identity | undefined> {
  return db
    .selectFrom('identity')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('provider', '=', provider)
    .executeTakeFirst();
}

export async function listIdentities(db: Db, accountId: string): Promise<Identity[]> {
  return db.selectFrom('identity').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
}

/**
 * An account with what its identities say about the person (provider, subject, issuer, profile), in
 * one round trip: the OpenID provider reads both for every token it issues.
 */
export async function findAccountWithIdentities(
  db: Db,
  accountId: string,
): Promise<(Account & { identities: Pick<Identity, 'provider' | 'subject' | 'issuer' | 'profile'>[] }) | undefined> {
  return db
    .selectFrom('account')
    .selectAll('account')
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom('identity')
          .select(['identity.provider', 'identity.subject', 'identity.issuer', 'identity.profile'])
          .whereRef('identity.account_id', '=', 'account.id')
          .orderBy('identity.created_at'),
      ).as('identities'),
    )
    .where('account.id', '=', accountId)
    .executeTakeFirst();
}

/** Inserts the identity; the unique (provider, subject) constraint is the last word on races. */
export async function insertIdentity(db: Db, accountId: string, input: IdentityInput, now: Date): Promise<Identity> {
  return db
    .insertInto('identity')
    .values({
      account_id: accountId,
      provider: input.provider,
      subject: input.subject,
      issuer: input.issuer ?? null,
      email: input.email ?? null,
      email_verified: input.emailVerified ?? false,
      profile: JSON.stringify(input.profile ?? {}),
      password_hash: input.passwordHash ?? null,
      created_at: now,
      last_used_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** What a sign-in with an identity refreshes: when it was used and what the provider released. */
export const touched = (input: Pick<IdentityInput, 'email' | 'emailVerified' | 'profile'>, now: Date) => ({
  last_used_at: now,
  ...(input.profile ? { profile: JSON.stringify(input.profile) } : {}),
  ...(input.email !== undefined ? { email: input.email, email_verified: input.emailVerified ?? false } : {}),
});

/** Records a sign-in with the identity (provider, subject) and refreshes what it released; returns its id. */
export async function touchIdentity(
  db: Db,
  key: { provider: string; subject: string },
  input: Pick<IdentityInput, 'email' | 'emailVerified' | 'profile'>,
  now: Date,
): Promise<string> {
  const row = await db
    .updateTable('identity')
    .set(touched(input, now))
    .where('provider', '=', key.provider)
    .where('subject', '=', key.subject)
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function setPasswordHash(db: Db, accountId: string, passwordHash: string, now: Date): Promise<void> {
  const existing = await identityOf(db, accountId, 'password');
  if (existing) {
    await db.updateTable('identity').set({ password_hash: passwordHash }).where('id', '=', existing.id).execute();
  } else {
    await insertIdentity(db, accountId, { provider: 'password', subject: accountId, passwordHash }, now);
  }
}

export async function deleteIdentity(db: Db, id: string): Promise<void> {
  await db.deleteFrom('identity').where('id', '=', id).execute();
}

/** True when a database error is the unique-violation of (provider, subject) or (account, provider). */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === '23505';
}
