import { type Kysely, sql } from 'kysely';

/**
 * When a session was last used, for the account's list of devices: written at most every few
 * minutes per session (src/stores/sessions.ts), so a signed-in request still costs one round trip.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('session').addColumn('last_seen_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table session drop column last_seen_at`.execute(db);
}
