import type { Kysely } from 'kysely';

/**
 * Until when the metadata vouches for each IdP (the earliest validUntil around its
 * EntityDescriptor). Sign-ins check it, so a copy that could not be refreshed before it ran out is
 * no longer trusted. IdPs imported before this migration have none until the next import.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('saml_idp').addColumn('valid_until', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('saml_idp').dropColumn('valid_until').execute();
}
