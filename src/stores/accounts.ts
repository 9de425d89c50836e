import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import type { Account, AccountUpdate, NewAccount } from '../db/schema.js';

export function normalizeEmail(email: string): string {
  return email.trim();
}

export async function findAccountByEmail(db: Db, email: string): Promise<Account | undefined> {
  return db
    .selectFrom('account')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', normalizeEmail(email).toLowerCase())
    .executeTakeFirst();
}

export async function findAccountById(db: Db, id: string): Promise<Account | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('account').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function createAccount(db: Db, values: Omit<NewAccount, 'updated_at'>, now: Date): Promise<Account> {
  return db
    .insertInto('account')
    .values({ ...values, email: normalizeEmail(values.email), created_at: now, updated_at: now })
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
    .set({ ...values, updated_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function displayNameOf(a: Pick<Account, 'display_name' | 'given_name' | 'family_name' | 'email'>): string {
  return a.display_name || [a.given_name, a.family_name].filter(Boolean).join(' ') || a.email;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => uuidPattern.test(s);
