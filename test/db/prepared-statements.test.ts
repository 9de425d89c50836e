import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectDatabase, type Db, preparedStatement } from '../../src/db/connect.js';
import { sql } from 'kysely';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createAccount } from '../../src/stores/accounts.js';
import { setPasswordHash } from '../../src/stores/identities.js';
import { startSessionAlone, validateSession } from '../../src/stores/sessions.js';
import { freshPostgresDatabase, skipReason } from '../support/databases.js';

/**
 * Statements marked with `preparedStatement` are parsed and planned once per connection on
 * PostgreSQL (the returning sign-in's statement spends most of its database time planning
 * otherwise), and run as plain text on PGlite.
 */
describe('prepared statements', async () => {
  const reason = await skipReason('postgres');
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
  let db: Db | undefined;
  before(async () => {
    if (reason) return;
    database = await freshPostgresDatabase();
    db = await connectDatabase({ databaseUrl: database.url, dataDir: '', poolSize: 1 });
  });
  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  test('PostgreSQL: prepared once on the connection, then run by name', { skip: reason || false }, async () => {
    const plusOne = preparedStatement('select $1::int + 1 as n');
    for (const i of [1, 2, 3]) assert.equal((await db!.executeQuery<{ n: number }>(plusOne([i]))).rows[0]?.n, i + 1);
    // One connection in the pool: this query runs where the statement was prepared.
    const { rows } = await db!.executeQuery<{ name: string; statement: string }>(
      preparedStatement('select name, statement from pg_prepared_statements')([]),
    );
    const mine = rows.filter((r) => r.statement.includes('select $1::int + 1 as n'));
    assert.equal(mine.length, 1, JSON.stringify(rows));
    assert.match(mine[0]!.name, /^lanyard_[0-9a-f]{24}$/);
  });

  test('PGlite: the same statement runs as text', async () => {
    const lite = await connectDatabase({ databaseUrl: null, dataDir: 'memory://' });
    try {
      const plusOne = preparedStatement('select $1::int + 1 as n');
      assert.equal((await lite.executeQuery<{ n: number }>(plusOne([41]))).rows[0]?.n, 42);
    } finally {
      await lite.destroy();
    }
  });

  test(
    'PostgreSQL: a migration adding a column to account while Lanyard runs breaks neither the session check nor a sign-in',
    { skip: reason || false },
    async () => {
      await migrateToLatest(db!);
      const now = new Date();
      const account = await createAccount(db!, { email: 'running@example.org', email_verified_at: now }, now);
      await setPasswordHash(db!, account.id, 'the hash', now);
      const input = {
        amr: ['pwd'],
        ttlSeconds: 3600,
        ip: '192.0.2.1',
        userAgent: null,
        replaces: null,
        provider: 'password',
        subject: null,
      };
      const first = await startSessionAlone(db!, account.id, 'the hash', input, now);
      assert.ok(first);
      assert.ok(await validateSession(db!, first.cookieValue, now), 'the session is valid before the migration');
      // What a later version's migration does, run by another process while this one serves.
      await sql`alter table account add column later_column text`.execute(db!);
      try {
        assert.ok(await validateSession(db!, first.cookieValue, now), 'the session is valid after the migration');
        const second = await startSessionAlone(db!, account.id, 'the hash', input, now);
        assert.ok(second, 'a sign-in still starts a session');
        assert.equal(second.account.id, account.id);
      } finally {
        await sql`alter table account drop column later_column`.execute(db!);
      }
    },
  );
});
