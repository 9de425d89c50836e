import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { connectDatabase, type Db } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import * as accountMergedInto from '../../src/db/migrations/0046-account-merged-into.js';
import { recordAudit } from '../../src/stores/audit.js';
import { freshPostgresDatabase } from '../support/databases.js';
import { eachBackend } from '../support/durable-store.js';

/**
 * Migration 0046 on a database written before it: a duplicate merged then is found by its
 * `accounts_merged` event and marked, so it can no longer be enabled; one an operator enabled
 * again since is left an ordinary account, and nothing else is marked.
 */
eachBackend('migration 0046: accounts merged before it', (backend) => {
  let db: Db;
  let drop = async () => {};
  before(async () => {
    if (backend === 'postgres') {
      const pg = await freshPostgresDatabase();
      drop = pg.drop;
      db = await connectDatabase({ databaseUrl: pg.url, dataDir: 'memory://' });
    } else db = await connectDatabase({ databaseUrl: null, dataDir: 'memory://' });
    // The schema as the release before 0046 left it.
    await migrateToLatest(db);
    await accountMergedInto.down(db);
    await sql`delete from kysely_migration where name = '0046-account-merged-into'`.execute(db);
  });
  after(async () => {
    await db?.destroy();
    await drop();
  });

  const now = new Date();
  const account = async (email: string, status: 'active' | 'disabled') =>
    (
      await sql<{ id: string }>`insert into account (email, status, updated_at)
        values (${email}, ${status}, ${now}) returning id`.execute(db)
    ).rows[0]!.id;
  const merge = async (survivor: string, duplicate: string) => {
    for (const accountId of [survivor, duplicate])
      await recordAudit(db, { action: 'accounts_merged', accountId, detail: { survivor, duplicate } }, now);
  };

  test('a merged duplicate still disabled is marked; one enabled again, the survivor and the rest are not', async () => {
    const survivor = await account('survivor@old.example', 'active');
    const duplicate = await account('duplicate@old.example', 'disabled');
    const reopened = await account('reopened@old.example', 'active');
    const disabled = await account('disabled@old.example', 'disabled');
    await merge(survivor, duplicate);
    await merge(survivor, reopened);

    assert.deepEqual(await migrateToLatest(db), ['0046-account-merged-into']);
    const rows = await db
      .selectFrom('account')
      .select(['id', 'status', 'merged_into'])
      .where('id', 'in', [survivor, duplicate, reopened, disabled])
      .execute();
    const byId = Object.fromEntries(rows.map((r) => [r.id, [r.status, r.merged_into]]));
    assert.deepEqual(byId, {
      [survivor]: ['active', null],
      [duplicate]: ['disabled', survivor],
      [reopened]: ['active', null],
      [disabled]: ['disabled', null],
    });
    await assert.rejects(db.updateTable('account').set({ status: 'active' }).where('id', '=', duplicate).execute());
  });
});
