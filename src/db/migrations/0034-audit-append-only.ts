import { type Kysely, sql } from 'kysely';

/**
 * The audit trail is append-only for the application: an UPDATE of an audit event fails in the
 * database itself, whatever the code above it does. Rows leave only by retention (housekeeping's
 * DELETE of events older than LANYARD_AUDIT_RETENTION_DAYS).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create function audit_event_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit events are append-only' using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`create trigger audit_event_no_update before update on audit_event
    for each row execute function audit_event_append_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger audit_event_no_update on audit_event`.execute(db);
  await sql`drop function audit_event_append_only()`.execute(db);
}
