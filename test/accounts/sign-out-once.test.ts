import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSession, signOutSession } from '../../src/stores/sessions.js';
import { createPasswordAccount } from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';

let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now().toString(36)}@sign-out.example`;

/**
 * Every sign-out (the pages, the REST API, a repository's RP-initiated logout) ends the session and
 * audits it in one statement that acts only on a session still open: a session ended twice — two
 * tabs signing out at once, a replay, a second process — is audited once.
 */
forEachBackend('a session is signed out, and audited, once', (ctx) => {
  const signOuts = async (accountId: string) =>
    ctx()
      .lanyard.db.selectFrom('audit_event')
      .selectAll()
      .where('action', '=', 'sign_out')
      .where('account_id', '=', accountId)
      .execute();

  /** A password account with one open session. */
  const signedIn = async (name: string) => {
    const app = ctx();
    const account = await createPasswordAccount(app, unique(name));
    const now = app.clock.now();
    const { session } = await createSession(
      app.lanyard.db,
      { accountId: account.id, amr: ['pwd'], ttlSeconds: 600 },
      now,
    );
    return { app, account, session, now };
  };

  test('a second sign-out of the same session ends nothing and writes nothing', async () => {
    const { app, account, session, now } = await signedIn('twice');
    assert.equal(await signOutSession(app.lanyard.db, { sessionId: session.id, ip: '192.0.2.1' }, now), true);
    assert.equal(await signOutSession(app.lanyard.db, { sessionId: session.id, ip: '192.0.2.2' }, now), false);
    const rows = await signOuts(account.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.actor_account_id, account.id);
    assert.equal(rows[0]!.ip, '192.0.2.1');
  });

  test('two sign-outs at once: one ends the session, one audit row', async () => {
    const { app, account, session, now } = await signedIn('racing');
    const ended = await Promise.all(
      [1, 2, 3].map(() => signOutSession(app.lanyard.db, { sessionId: session.id, ip: null }, now)),
    );
    assert.deepEqual(ended.filter(Boolean).length, 1, `ended: ${ended.join(', ')}`);
    assert.equal((await signOuts(account.id)).length, 1);
  });
});
