import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Db } from '../../src/db/connect.js';

/** Columns moved as a side effect (the outbox worker, a session's last use): not a change a request made. */
const backgroundColumns: Record<string, readonly string[]> = {
  email_outbox: ['attempts', 'next_attempt_at', 'claimed_until', 'sent_at', 'failed_at', 'last_error'],
  // When a session was last used: any signed-in request may note it (every few minutes).
  session: ['last_seen_at'],
};

/** Tables that count refused attempts (a wrong password must count): the refusal's record, not a change. */
const countersOfRefusals = ['password_throttle'];

/** Every row of every Lanyard table (found by introspection, so new tables are covered too), as sorted JSON lines. */
export async function snapshotDatabase(db: Db): Promise<Record<string, string[]>> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely_%'
    order by table_name`.execute(db);
  const snapshot: Record<string, string[]> = {};
  for (const { table_name: table } of tables.rows) {
    if (countersOfRefusals.includes(table)) continue;
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
    const skip = backgroundColumns[table] ?? [];
    snapshot[table] = rows
      .map((row) => JSON.stringify(Object.entries(row).filter(([column]) => !skip.includes(column))))
      .sort();
  }
  return snapshot;
}

/** Runs `action` and fails if it changed any row of the database (docs/design.md: bad input changes nothing). */
export async function expectNoChange<T>(db: Db, action: () => Promise<T>): Promise<T> {
  const before = await snapshotDatabase(db);
  const result = await action();
  assert.deepEqual(await snapshotDatabase(db), before, 'the request changed the database');
  return result;
}

/** How many rows `table` has, optionally only those matching `column = value`. */
export async function countRows(db: Db, table: string, where?: [column: string, value: unknown]): Promise<number> {
  const filter = where ? sql`where ${sql.ref(where[0])} = ${where[1]}` : sql``;
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} ${filter}`.execute(db);
  return rows[0]!.n;
}
