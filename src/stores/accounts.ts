import { canonicalEmail } from '../accounts/email-address.js';
import { type Db, preparedStatement } from '../db/connect.js';
import type { Account, AccountTable, AccountUpdate, NewAccount } from '../db/schema.js';

/** Whether an account may sign in at all: active and not barred from signing in. */
export const canSignIn = (account: Pick<Account, 'status' | 'can_log_in'>): boolean =>
  account.status === 'active' && account.can_log_in;

/** The column holds the canonical form and its unique index is on the column itself (migration 0011). */
export async function findAccountByEmail(db: Db, email: string): Promise<Account | undefined> {
  return db.selectFrom('account').selectAll().where('email', '=', canonicalEmail(email)).executeTakeFirst();
}

const everyAccountColumn: Record<keyof AccountTable, true> = {
  id: true,
  email: true,
  email_verified_at: true,
  given_name: true,
  family_name: true,
  display_name: true,
  status: true,
  can_log_in: true,
  self_registered: true,
  is_admin: true,
  locale: true,
  merged_into: true,
  created_at: true,
  updated_at: true,
};

/**
 * The account's columns by name, for statements written out in SQL. Never `account.*` in a
 * prepared statement: its result type is fixed when it is prepared, and a migration adding a column
 * would make PostgreSQL refuse it on every running process ("cached plan must not change result
 * type") until their connections closed. The compiler keeps this list complete.
 */
export const accountColumns = (table: string) =>
  Object.keys(everyAccountColumn)
    .map((c) => `${table}.${c}`)
    .join(', ');

/** An account as a password check needs it: its password hash, and whether the address is one it signed in from. */
export type PasswordAccount = Account & { password_hash: string | null; known_address: boolean };

const passwordAccount = preparedStatement(`select ${accountColumns('account')}, identity.password_hash,
  exists (select 1 from session where session.account_id = account.id and session.ip = $2
    and session.created_at > $3::timestamptz) as known_address
  from account left join identity on identity.account_id = account.id and identity.provider = 'password'
  where account.email = $1`);

/**
 * The account with this email, its password hash and whether a session was started from `ip`
 * since `since` — one round trip for what a password check reads before it hashes.
 */
export async function findPasswordAccount(
  db: Db,
  email: string,
  ip: string,
  since: Date,
): Promise<PasswordAccount | undefined> {
  return (await db.executeQuery<PasswordAccount>(passwordAccount([canonicalEmail(email), ip, since]))).rows[0];
}

export async function findAccountById(db: Db, id: string): Promise<Account | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('account').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function createAccount(db: Db, values: Omit<NewAccount, 'updated_at'>, now: Date): Promise<Account> {
  return db
    .insertInto('account')
    .values({ ...values, email: canonicalEmail(values.email), created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateAccount(
  db: Db,
  id: string,
  values: Omit<AccountUpdate, 'updated_at'>,
  now: Date,
): Promise<Account> {
  return db
    .updateTable('account')
    .set({
      ...values,
      ...(typeof values.email === 'string' ? { email: canonicalEmail(values.email) } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function displayNameOf(a: Pick<Account, 'display_name' | 'given_name' | 'family_name' | 'email'>): string {
  return a.display_name || [a.given_name, a.family_name].filter(Boolean).join(' ') || a.email;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => uuidPattern.test(s);
