import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { adminUrl, skipReason } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { waitUntil } from '../support/wait.js';

/** A PostgreSQL restart or failover, as the idle connections of a running Lanyard see it. */
describe('PostgreSQL drops idle connections', async () => {
  const reason = await skipReason('postgres');
  let ctx: TestApp | undefined;
  before(async () => {
    if (!reason) ctx = await createTestApp('postgres');
  });
  after(() => ctx?.close());

  test(
    'Lanyard survives (no uncaught error) and serves again on fresh connections',
    { skip: reason || false },
    async () => {
      const { app, config } = ctx!;
      await Promise.all([1, 2, 3].map(() => app.inject('/readyz'))); // idle connections in the pool
      const admin = new pg.Client({ connectionString: adminUrl() });
      await admin.connect();
      try {
        const database = new URL(config.databaseUrl!).pathname.slice(1);
        const { rowCount } = await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1',
          [database],
        );
        assert.ok(rowCount && rowCount > 0, 'no idle connection to terminate');
      } finally {
        await admin.end();
      }
      // A dropped connection is noticed when next used; readiness returns once fresh ones are made.
      await waitUntil(async () => (await app.inject('/readyz')).statusCode === 200, '/readyz to answer 200 again');
      assert.equal((await app.inject('/login')).statusCode, 200);
    },
  );

  test(
    'a connection dropped while a transaction holds it fails that transaction, not the process',
    { skip: reason || false },
    async () => {
      const { app, lanyard } = ctx!;
      const admin = new pg.Client({ connectionString: adminUrl() });
      await admin.connect();
      try {
        const transaction = lanyard.db.transaction().execute(async (tx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx);
          const pid = rows[0]!.pid;
          // Between two statements (as a transaction awaiting a hash or a provider would be):
          await admin.query('select pg_terminate_backend($1)', [pid]);
          await waitUntil(
            async () => (await admin.query('select 1 from pg_stat_activity where pid = $1', [pid])).rowCount === 0,
            'the terminated backend to be gone',
          );
          await sql`select 1`.execute(tx);
        });
        await assert.rejects(transaction, 'the transaction fails on its dropped connection');
      } finally {
        await admin.end();
      }
      await waitUntil(async () => (await app.inject('/readyz')).statusCode === 200, '/readyz to answer 200 again');
    },
  );
});
