import { type Kysely, sql } from 'kysely';

/**
 * Where the person was going when a first sign-in needed a decision (a repository's authorization
 * request at Lanyard's OpenID provider, for one): the registration carries it through the typed
 * email and the mailed link, so creating or linking the account ends there, not on /profile.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('registration').addColumn('return_to', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table registration drop column return_to`.execute(db);
}
