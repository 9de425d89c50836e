import { type Kysely, sql } from 'kysely';

/**
 * ORCID on the researcher's behalf (docs/design.md, "ORCID on the researcher's behalf"):
 * - `orcid_work`: each work a repository (an OpenID client; '' for the researcher's own session)
 *   put on a researcher's ORCID record, keyed by its `self` external id (type and normalized
 *   value), with the put-code ORCID gave it — so a second push is an update, never a duplicate;
 * - `orcid_write`: the durable queue of writes to ORCID (like the mail outbox): claimed with a
 *   lease under `FOR UPDATE SKIP LOCKED`, retried with backoff, ending delivered, failed or
 *   needs_consent; the writes of one work run in the order they were asked for;
 * - `provider_token.needs_consent_at`: when ORCID stopped accepting the stored token (revoked at
 *   ORCID); the researcher must authorize again. A fresh token clears it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('orcid_work')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('account.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('external_id_type', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('external_id_value', 'text', (c) => c.notNull())
    /** The iD the put-code belongs to (a put-code means nothing on another record). */
    .addColumn('orcid', 'text')
    .addColumn('put_code', 'bigint')
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('orcid_work_key', ['account_id', 'client_id', 'external_id_type', 'external_id'])
    .execute();

  await db.schema
    .createTable('orcid_write')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    /** The order writes were asked for (timestamps may tie). */
    .addColumn('seq', 'bigint', (c) => c.generatedAlwaysAsIdentity())
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('account.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('external_id_type', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('put', 'delete')`))
    .addColumn('content', 'jsonb')
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('queued', 'delivered', 'failed', 'needs_consent')`),
    )
    /** What delivery did at ORCID: created, updated, deleted (or already gone). */
    .addColumn('outcome', 'text')
    .addColumn('put_code', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('claimed_until', 'timestamptz')
    /** ORCID's v3 error code (e.g. 9022) or Lanyard's code of the last failure, and its message. */
    .addColumn('error_code', 'text')
    .addColumn('error_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await sql`create index orcid_write_due on orcid_write (next_attempt_at) where state = 'queued'`.execute(db);
  await sql`create index orcid_write_work on orcid_write (account_id, client_id, external_id_type, external_id, seq)`.execute(
    db,
  );

  await db.schema.alterTable('provider_token').addColumn('needs_consent_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table provider_token drop column needs_consent_at`.execute(db);
  await db.schema.dropTable('orcid_write').execute();
  await db.schema.dropTable('orcid_work').execute();
}
