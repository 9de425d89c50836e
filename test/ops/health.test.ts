import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { forEachBackend } from '../support/suite.js';

forEachBackend('health checks', (ctx) => {
  test('/healthz: the process answers', async () => {
    const res = await ctx().app.inject('/healthz');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('/readyz: ready when the database answers and is migrated; 503 while a migration is pending', async () => {
    const { app, lanyard } = ctx();
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });

    const applied = await sql<{
      name: string;
      timestamp: string;
    }>`select name, timestamp from kysely_migration`.execute(lanyard.db);
    await sql`delete from kysely_migration`.execute(lanyard.db);
    try {
      const pending = await app.inject('/readyz');
      assert.equal(pending.statusCode, 503);
      assert.deepEqual(pending.json(), { status: 'migrations pending' });
    } finally {
      for (const m of applied.rows)
        await sql`insert into kysely_migration (name, timestamp) values (${m.name}, ${m.timestamp})`.execute(
          lanyard.db,
        );
    }
    assert.equal((await app.inject('/readyz')).statusCode, 200);
  });
});
