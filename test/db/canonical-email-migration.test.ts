import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Migrator, sql } from 'kysely';
import { connectDatabase, type Db } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import * as initial from '../../src/db/migrations/0001-initial.js';
import * as saml from '../../src/db/migrations/0004-saml.js';
import * as mailHeldBack from '../../src/db/migrations/0010-mail-held-back.js';
import { isUniqueViolation } from '../../src/stores/identities.js';
import { freshPostgresDatabase } from '../support/databases.js';
import { eachBackend } from '../support/durable-store.js';

/**
 * Migration 0011 on a database written before it: stored addresses take their canonical form, the
 * unique index compares the column itself, and accounts that would collide stop the migration with
 * their names instead of being merged (docs/security.md "One form of an email address").
 */
eachBackend('migration 0011: canonical email addresses', (backend) => {
  let db: Db;
  let drop = async () => {};
  before(async () => {
    if (backend === 'postgres') {
      const pg = await freshPostgresDatabase();
      drop = pg.drop;
      db = await connectDatabase({ databaseUrl: pg.url, dataDir: 'memory://' });
    } else db = await connectDatabase({ databaseUrl: null, dataDir: 'memory://' });
    // The schema as the release before 0011 left it.
    const before0011 = { '0001-initial': initial, '0004-saml': saml, '0010-mail-held-back': mailHeldBack };
    const { error } = await new Migrator({
      db,
      provider: { getMigrations: async () => before0011 },
      allowUnorderedMigrations: true,
    }).migrateToLatest();
    if (error) throw error;
  });
  after(async () => {
    await db?.destroy();
    await drop();
  });

  const insertAccount = (email: string) =>
    db.insertInto('account').values({ email, updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
  const emailsOf = async (ids: string[]) =>
    (await db.selectFrom('account').select(['id', 'email']).where('id', 'in', ids).execute())
      .sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id))
      .map((a) => a.email);

  test('two accounts equal in canonical form: the migration stops, names both, and changes nothing', async () => {
    const a = await insertAccount('clash@old.example');
    const b = await insertAccount(' Clash@old.example');
    await assert.rejects(migrateToLatest(db), (e: Error) => {
      assert.match(e.message, /clash@old\.example/);
      assert.match(e.message, new RegExp(`${a.id}.*${b.id}|${b.id}.*${a.id}`));
      assert.match(e.message, /Fix:/);
      return true;
    });
    assert.deepEqual(await emailsOf([a.id, b.id]), ['clash@old.example', ' Clash@old.example']);
    const applied = await db
      .selectFrom('kysely_migration' as never)
      .select(sql<string>`name`.as('name'))
      .execute();
    assert.ok(!applied.some((m) => m.name === '0011-canonical-email'), 'not recorded as applied');
    // The operator resolves the clash (here: one account takes another address) and migrates again.
    await db.updateTable('account').set({ email: 'clash.two@old.example' }).where('id', '=', b.id).execute();
  });

  test('stored addresses take the canonical form and the unique index compares it', async () => {
    const upper = await insertAccount('Kate.Upper@Old.Example');
    const kelvin = await insertAccount('\u212Aate.other@old.example');
    const dotted = await insertAccount('İsa@old.example');
    await db
      .insertInto('registration')
      .values({
        token_hash: 'h'.repeat(64),
        type: 'REGISTER',
        email: 'Someone@Old.Example',
        profile: '{}',
        created_at: new Date(),
        expires_at: new Date(Date.now() + 3600_000),
      })
      .execute();
    await db
      .insertInto('email_outbox')
      .values({
        to_address: 'Kate.Upper@Old.Example',
        subject: 's',
        text_body: 't',
        html_body: 'h',
        kind: 'test',
        next_attempt_at: new Date(),
      })
      .execute();
    assert.ok((await migrateToLatest(db)).includes('0011-canonical-email'));
    assert.deepEqual(await emailsOf([upper.id, kelvin.id, dotted.id]), [
      'kate.upper@old.example',
      '\u212Aate.other@old.example',
      'İsa@old.example',
    ]);
    const reg = await db.selectFrom('registration').select('email').executeTakeFirstOrThrow();
    assert.equal(reg.email, 'someone@old.example');
    const mail = await db.selectFrom('email_outbox').select('to_address').executeTakeFirstOrThrow();
    assert.equal(mail.to_address, 'kate.upper@old.example');
    await assert.rejects(insertAccount('kate.upper@old.example'), (e) => {
      assert.ok(isUniqueViolation(e));
      assert.equal((e as { constraint?: string }).constraint, 'account_email');
      return true;
    });
    // Not folded by the index either (the old lower() index folded both): the Kelvin sign and
    // U+0130 stay their own addresses.
    await insertAccount('kate.other@old.example');
    await insertAccount('isa@old.example');
  });
});
