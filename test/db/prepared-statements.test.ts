import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectDatabase, type Db, preparedStatement } from '../../src/db/connect.js';
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
});
