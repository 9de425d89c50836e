import { type Kysely, sql } from 'kysely';

/**
 * Failed password sign-ins per key (an account's email alone, or the email and one client address),
 * shared by every Lanyard process when there is no Redis (src/accounts/password-throttle.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('password_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_failure_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('password_throttle_last_failure')
    .on('password_throttle')
    .column('last_failure_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table password_throttle`.execute(db);
}
