import { type Kysely, sql } from 'kysely';

/**
 * Indexes for the lookups the consoles added: the audit trail by time (the operators' trail, newest
 * first, and retention's purge) and by acting operator, and the OpenID provider's rows by account
 * (connected applications on /profile, and revoking an account's grants when it is disabled or
 * merged — which would otherwise scan every grant while holding the accounts' locks).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index audit_event_at on audit_event (at)`.execute(db);
  await sql`create index audit_event_actor on audit_event (actor_account_id, at) where actor_account_id is not null`.execute(
    db,
  );
  await sql`create index oidc_payload_account on oidc_payload ((payload->>'accountId'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index oidc_payload_account`.execute(db);
  await sql`drop index audit_event_actor`.execute(db);
  await sql`drop index audit_event_at`.execute(db);
}
