import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { connectDatabase, type Db } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createAccount } from '../../src/stores/accounts.js';
import { earlierAgentsOf, sessionStartParameters } from '../../src/stores/sessions.js';
import { backends, freshPostgresDatabase, skipReason } from '../support/databases.js';

/** The plan's node types, depth first. */
const nodeTypes = (plan: { 'Node Type': string; Plans?: unknown[] }): string[] => [
  plan['Node Type'],
  ...((plan.Plans ?? []) as (typeof plan)[]).flatMap(nodeTypes),
];

/**
 * Every sign-in reads the User-Agents of the account's latest sessions (the new-device notice). An
 * index on (account_id, created_at desc) hands them over in order; with one on the account alone,
 * every session the account still has is fetched and sorted.
 */
for (const backend of backends()) {
  describe(`the latest sessions of an account (${backend})`, async () => {
    const reason = await skipReason(backend);
    let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
    let db: Db | undefined;
    before(async () => {
      if (reason) return;
      database = backend === 'postgres' ? await freshPostgresDatabase() : undefined;
      db = await connectDatabase({ databaseUrl: database?.url ?? null, dataDir: 'memory://', poolSize: 1 });
      await migrateToLatest(db);
    });
    after(async () => {
      await db?.destroy();
      await database?.drop();
    });

    test('are read through an index in their order, without sorting them', { skip: reason || false }, async () => {
      const now = new Date('2026-11-30T12:00:00Z');
      const account = await createAccount(db!, { email: 'many-sessions@example.org' }, now);
      for (let i = 0; i < 40; i++) {
        const at = new Date(now.getTime() + i * 60_000);
        const { row } = sessionStartParameters(
          {
            amr: ['pwd'],
            ttlSeconds: 3600,
            ip: '192.0.2.1',
            userAgent: `agent ${i}`,
            replaces: null,
            provider: 'password',
            subject: null,
          },
          at,
        );
        await db!
          .insertInto('session')
          .values({ ...row, account_id: account.id })
          .execute();
      }
      // The latest twenty, newest first: what the new-device check compares with.
      const read = `select ${earlierAgentsOf(`'${account.id}'::uuid`)} as agents`;
      const { rows } = await sql.raw<{ agents: unknown }>(read).execute(db!);
      const agents = typeof rows[0]!.agents === 'string' ? JSON.parse(rows[0]!.agents) : rows[0]!.agents;
      assert.deepEqual(
        agents,
        Array.from({ length: 20 }, (_, i) => `agent ${39 - i}`),
      );
      // Whatever the table's size, the planner is made to use an index; the question is whether it must sort.
      await db!.connection().execute(async (c) => {
        await sql`set enable_seqscan = off`.execute(c);
        await sql`set enable_bitmapscan = off`.execute(c);
        try {
          const explained = await sql.raw<{ 'QUERY PLAN': unknown }>(`explain (format json) ${read}`).execute(c);
          const plan = explained.rows[0]!['QUERY PLAN'];
          const [top] = (typeof plan === 'string' ? JSON.parse(plan) : plan) as [{ Plan: { 'Node Type': string } }];
          const types = nodeTypes(top.Plan);
          assert.ok(types.includes('Index Scan') || types.includes('Index Only Scan'), types.join(' > '));
          assert.ok(!types.includes('Sort') && !types.includes('Incremental Sort'), types.join(' > '));
        } finally {
          await sql`reset enable_seqscan`.execute(c);
          await sql`reset enable_bitmapscan`.execute(c);
        }
      });
    });
  });
}
