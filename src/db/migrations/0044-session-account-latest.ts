import { type Kysely, sql } from 'kysely';

/**
 * An account's sessions by age, newest first, instead of by account alone: every sign-in reads the
 * User-Agents of the account's latest sessions (the new-device notice, src/stores/sessions.ts), which
 * with the old index fetched every session the account still has and sorted them; this one hands
 * over the latest twenty in order. It replaces the old index rather than adding one, so a new
 * session still updates as many indexes as before; lookups by account alone use its first column.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index session_account_latest on session (account_id, created_at desc)`.execute(db);
  await sql`drop index session_account`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index session_account on session (account_id)`.execute(db);
  await sql`drop index session_account_latest`.execute(db);
}
