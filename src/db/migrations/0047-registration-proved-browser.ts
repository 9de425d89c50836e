import type { Kysely } from 'kysely';

/**
 * A second browser a mailed registration works in: one where the person signed in with the
 * registration's identity after the link came (docs/security.md, "A mailed link needs the identity
 * too"). Beside `browser_hash`, not instead of it, so proving on a phone leaves the link working in
 * the browser of the first sign-in too. Only the hash of the browser cookie is stored.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('registration').addColumn('proved_browser_hash', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('registration').dropColumn('proved_browser_hash').execute();
}
