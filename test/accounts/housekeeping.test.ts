import assert from 'node:assert/strict';
import { test } from 'node:test';
import { housekeeping } from '../../src/accounts/housekeeping.js';
import { addSeconds } from '../../src/clock.js';
import { recordAudit } from '../../src/stores/audit.js';
import { seedAccount } from '../support/accounts.js';
import { throttlePolicy } from '../../src/accounts/password-throttle.js';
import { databaseThrottleStore } from '../../src/stores/password-throttle.js';
import { createRegistration } from '../../src/stores/registrations.js';
import { createSession, revokeSession } from '../../src/stores/sessions.js';
import { requestKey, usedKey } from '../../src/providers/saml/requests.js';
import { createPasswordAccount } from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';

forEachBackend('housekeeping', (ctx) => {
  test('deletes registrations and sessions dead for a day, and nothing still usable', async () => {
    const app = ctx();
    const db = app.lanyard.db;
    const account = await createPasswordAccount(app, 'keeper@uni.example');
    const now = app.clock.now();
    const expiring = await createRegistration(
      db,
      { type: 'EXTERNAL', provider: 'orcid', subject: '0000-0002-1825-0097' },
      3600,
      now,
    );
    const lasting = await createRegistration(db, { type: 'INVITATION', email: 'invited@uni.example' }, 7 * 86400, now);
    const revoked = await createSession(db, { accountId: account.id, amr: ['pwd'], ttlSeconds: 30 * 86400 }, now);
    const live = await createSession(db, { accountId: account.id, amr: ['pwd'], ttlSeconds: 30 * 86400 }, now);
    await revokeSession(db, revoked.session.id, now);

    assert.deepEqual(
      await housekeeping(app.lanyard),
      { registrations: 0, sessions: 0, oidc: 0, throttles: 0, flowState: 0, audit: 0, orcidWrites: 0 },
      'nothing is a day dead yet',
    );
    app.clock.advance(26 * 3600_000);
    assert.deepEqual(await housekeeping(app.lanyard), {
      registrations: 1,
      sessions: 1,
      oidc: 0,
      throttles: 0,
      flowState: 0,
      audit: 0,
      orcidWrites: 0,
    });
    const regs = await db
      .selectFrom('registration')
      .select('id')
      .where('id', 'in', [expiring.registration.id, lasting.registration.id])
      .execute();
    assert.deepEqual(
      regs.map((r) => r.id),
      [lasting.registration.id],
    );
    const sessions = await db
      .selectFrom('session')
      .select('id')
      .where('id', 'in', [revoked.session.id, live.session.id])
      .execute();
    assert.deepEqual(
      sessions.map((s) => s.id),
      [live.session.id],
    );
  });

  test('deletes password-failure counts older than their window, and keeps the ones that still slow someone down', async () => {
    const app = ctx();
    const db = app.lanyard.db;
    const store = databaseThrottleStore(db);
    const window = throttlePolicy.windowMs;
    await store.fail(['account:old', 'pair:old'], app.clock.now(), window);
    app.clock.advance(window - 3600_000);
    await store.fail(['account:recent'], app.clock.now(), window);
    app.clock.advance(2 * 3600_000);

    const counts = await housekeeping(app.lanyard);
    assert.equal(counts.throttles, 2);
    const keys = await db.selectFrom('password_throttle').select('key').orderBy('key').execute();
    assert.deepEqual(
      keys.map((k) => k.key),
      ['account:recent'],
    );
    const [recent] = await store.read(['account:recent'], app.clock.now(), window);
    assert.equal(recent?.failures, 1, 'the recent count still slows its address down');
  });

  test('deletes expired SAML requests and used-response marks, and keeps the ones still waiting', async () => {
    const app = ctx();
    const store = app.lanyard.flowState;
    const waiting = { id: '_waiting', provider: 'uni', idp: 'https://idp.uni-a.example/idp/shibboleth' };
    assert.ok(await store.add(requestKey('_expired'), { ...waiting, id: '_expired' }, 60));
    assert.ok(await store.add(usedKey('_answered'), { at: app.clock.now().toISOString() }, 120));
    assert.ok(await store.add(requestKey('_waiting'), waiting, 1800));
    const rows = () => app.lanyard.db.selectFrom('flow_state').select('key').orderBy('key').execute();
    assert.equal((await housekeeping(app.lanyard)).flowState, 0, 'nothing has expired yet');
    app.clock.advance(300_000);
    assert.equal((await housekeeping(app.lanyard)).flowState, 2);
    assert.deepEqual(
      (await rows()).map((r) => r.key),
      [requestKey('_waiting')],
    );
    assert.deepEqual(await store.peek(requestKey('_waiting')), waiting, 'the waiting request still answers');
  });

  test('audit events leave only by retention: older than LANYARD_AUDIT_RETENTION_DAYS deleted, none ever updated', async () => {
    const app = ctx();
    const db = app.lanyard.db;
    const account = await seedAccount(app.lanyard);
    const old = { action: 'sign_in' as const, accountId: account.id, ip: '192.0.2.9' };
    await recordAudit(db, old, addSeconds(app.clock.now(), -(app.config.auditRetentionDays + 1) * 86400));
    await recordAudit(
      db,
      { ...old, ip: '192.0.2.10' },
      addSeconds(app.clock.now(), -(app.config.auditRetentionDays - 1) * 86400),
    );
    const mine = () =>
      db.selectFrom('audit_event').select('ip').where('account_id', '=', account.id).orderBy('at').execute();
    assert.equal((await housekeeping(app.lanyard)).audit, 1);
    assert.deepEqual(
      (await mine()).map((r) => r.ip),
      ['192.0.2.10'],
    );
    // Append-only in the database itself: an UPDATE fails whatever the code above it does.
    await assert.rejects(
      db.updateTable('audit_event').set({ ip: '203.0.113.1' }).where('account_id', '=', account.id).execute(),
      /append-only/,
    );
    assert.deepEqual(
      (await mine()).map((r) => r.ip),
      ['192.0.2.10'],
    );
  });
});
