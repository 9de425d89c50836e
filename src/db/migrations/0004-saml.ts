import type { Kysely } from 'kysely';

/**
 * SAML (issue 11): the IdPs each `saml` provider entry knows (from one IdP's metadata or a whole
 * federation aggregate), what was last imported for each entry, and short-lived flow state shared
 * by every process (pending AuthnRequests, verified responses waiting for the browser, the replay
 * cache of assertion IDs).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('saml_idp')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('names', 'jsonb', (c) => c.notNull())
    // Lower-cased names, domain hints, scopes and entityID: what the discovery page searches.
    .addColumn('search', 'text', (c) => c.notNull())
    .addColumn('logo', 'text')
    .addColumn('scopes', 'jsonb', (c) => c.notNull())
    .addColumn('domains', 'jsonb', (c) => c.notNull())
    .addColumn('sso_redirect', 'text')
    .addColumn('sso_post', 'text')
    .addColumn('signing_certs', 'jsonb', (c) => c.notNull())
    .addColumn('name_id_formats', 'jsonb', (c) => c.notNull())
    .addColumn('categories', 'jsonb', (c) => c.notNull())
    .addColumn('registration_authority', 'text')
    .addColumn('hidden', 'boolean', (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint('saml_idp_pk', ['provider', 'entity_id'])
    .execute();

  await db.schema
    .createTable('saml_metadata')
    .addColumn('provider', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('digest', 'text')
    .addColumn('etag', 'text')
    .addColumn('valid_until', 'timestamptz')
    .addColumn('idp_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('imported_at', 'timestamptz')
    .addColumn('checked_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('flow_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('flow_state_expires').on('flow_state').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['flow_state', 'saml_metadata', 'saml_idp']) await db.schema.dropTable(t).ifExists().execute();
}
