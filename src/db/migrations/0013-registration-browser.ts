import { type Kysely, sql } from 'kysely';

/**
 * Which browser a registration from a provider sign-in belongs to (docs/security.md, "Registration
 * tokens are bound to the browser"): `browser_hash` is the SHA-256 of the browser cookie of the
 * browser that completed the provider round trip; `mailed` marks a registration whose token went by
 * mail (it proves control of the mailbox, so any browser may use it, after an explicit confirmation).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('registration')
    .addColumn('browser_hash', 'text')
    .addColumn('mailed', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table registration drop column browser_hash, drop column mailed`.execute(db);
}
