import { type Kysely, sql } from 'kysely';

/**
 * Everything Lanyard's OpenID provider stores, in one table (oidc-provider's adapter contract: one
 * `model` namespace per kind — Session, Interaction, AuthorizationCode, AccessToken, RefreshToken,
 * Grant, Client — plus Lanyard's sealed signing and cookie keys). `consumed_at` makes a code or a
 * rotated refresh token single-use with one conditional UPDATE; `expires_at` lets housekeeping
 * delete what can no longer be used.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oidc_payload')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('consumed_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addPrimaryKeyConstraint('oidc_payload_pkey', ['model', 'id'])
    .execute();
  await db.schema.createIndex('oidc_payload_grant_id').on('oidc_payload').column('grant_id').execute();
  await db.schema.createIndex('oidc_payload_uid').on('oidc_payload').column('uid').execute();
  await db.schema.createIndex('oidc_payload_expires_at').on('oidc_payload').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table oidc_payload`.execute(db);
}
