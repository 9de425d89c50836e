import { type Kysely, sql } from 'kysely';

/**
 * The account a registration was merged into. DSpace's UI sends one merge call per overridden field
 * with the same token; the first call merges and records the account here, and for a few minutes
 * the token may only apply further overrides to that account (src/broker/registrations.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('registration')
    .addColumn('merged_into', 'uuid', (c) => c.references('account.id').onDelete('set null'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table registration drop column merged_into`.execute(db);
}
