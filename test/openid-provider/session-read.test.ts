import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../../src/db/connect.js';
import { createAccount } from '../../src/stores/accounts.js';
import { readTogether } from '../../src/stores/oidc-payloads.js';
import { createSession, sessionCookieParts, sessionOfJson, validateSession } from '../../src/stores/sessions.js';
import { uniqueEmail } from '../support/accounts.js';
import { backends, skipReason } from '../support/databases.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * An OpenID provider request reads Lanyard's session of the browser in the provider's own
 * statement (`readTogether` with `lanyardSessionId`, src/openid-provider/routes.ts) instead of the
 * session check every other request makes (`validateSession`): it must answer exactly what that
 * check answers — the same session and account, to the millisecond, and nothing for a session that
 * is revoked, expired, of an account that may not sign in, or presented with the wrong secret.
 */
for (const backend of backends()) {
  describe(`Lanyard's session read with the provider's rows [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp;
    before(async () => {
      if (!reason) app = await createTestApp(backend);
    });
    after(async () => app?.close());

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('answers what the session check answers, for every kind of session', async () => {
        const db = app.lanyard.db;
        const now = app.clock.now();
        const account = async (values: Record<string, unknown> = {}) => {
          const created = await createAccount(db, { email: uniqueEmail('session-read'), email_verified_at: now }, now);
          if (Object.keys(values).length)
            await db.updateTable('account').set(values).where('id', '=', created.id).execute();
          return created.id;
        };
        const session = async (accountId: string, ttlSeconds = 3600) =>
          (await createSession(db, { accountId, amr: ['pwd', 'orcid'], ttlSeconds }, now)).cookieValue;
        const idOf = (cookie: string) => cookie.split('.')[0]!;

        const live = await session(await account());
        // Timestamps the database keeps to the microsecond, read to the millisecond either way.
        const precise = await session(await account({ given_name: 'Ada', locale: 'de', email_verified_at: null }));
        await sql`update session set authenticated_at = '2026-01-02 03:04:05.678901+00',
          last_seen_at = '2026-01-02 03:04:05.999999+00', ip = '192.0.2.1', user_agent = 'Bench/1.0'
          where id = ${idOf(precise)}`.execute(db);
        await sql`update account set updated_at = '2026-01-02 03:04:05.000501+00' where id = (
          select account_id from session where id = ${idOf(precise)})`.execute(db);
        const revoked = await session(await account());
        await db.updateTable('session').set({ revoked_at: now }).where('id', '=', idOf(revoked)).execute();
        const expired = await session(await account(), -1);
        const disabled = await session(await account({ status: 'disabled' }));
        const barred = await session(await account({ can_log_in: false }));
        const [id, secret] = live.split('.');
        const cookies = {
          live,
          precise,
          revoked,
          expired,
          disabled,
          barred,
          wrongSecret: `${id}.${'x'.repeat(secret!.length)}`,
          unknown: `${'u'.repeat(id!.length)}.${secret}`,
          noSecret: `${id}.`,
          tooLong: `${id}.${'s'.repeat(65)}`,
          empty: '',
        };

        const combined = async (on: Db, cookie: string) => {
          const parts = sessionCookieParts(cookie);
          if (!parts) return null;
          const { lanyardSession } = await readTogether(on, { lanyardSessionId: parts.id, keysVersion: true });
          return sessionOfJson(lanyardSession, parts, now);
        };
        const seen: Record<string, boolean> = {};
        for (const [name, cookie] of Object.entries(cookies)) {
          const apart = await validateSession(db, cookie, now);
          assert.deepEqual(await combined(db, cookie), apart, name);
          // Inside a transaction the same statement goes as text (not prepared): the same answer.
          assert.deepEqual(
            await db.transaction().execute((trx) => combined(trx, cookie)),
            apart,
            `${name} (transaction)`,
          );
          seen[name] = apart !== null;
        }
        assert.deepEqual(seen, {
          live: true,
          precise: true,
          revoked: false,
          expired: false,
          disabled: false,
          barred: false,
          wrongSecret: false,
          unknown: false,
          noSecret: false,
          tooLong: false,
          empty: false,
        });
        const read = await validateSession(db, precise, now);
        assert.equal(read!.session.authenticated_at.toISOString(), '2026-01-02T03:04:05.678Z');
        assert.equal(read!.session.last_seen_at!.toISOString(), '2026-01-02T03:04:05.999Z');
        assert.equal(read!.account.updated_at.toISOString(), '2026-01-02T03:04:05.000Z');
        assert.equal(read!.account.email_verified_at, null);
      });

      test('a session read with a token or the provider session: the provider rows are as read without it', async () => {
        const db = app.lanyard.db;
        const now = app.clock.now();
        const created = await createAccount(db, { email: uniqueEmail('session-rows'), email_verified_at: now }, now);
        const { cookieValue } = await createSession(db, { accountId: created.id, amr: ['pwd'], ttlSeconds: 60 }, now);
        const want = { clientId: 'no-such-client', sessionId: 'no-such-session', keysVersion: true };
        const without = await readTogether(db, want);
        const withSession = await readTogether(db, { ...want, lanyardSessionId: cookieValue.split('.')[0]! });
        assert.deepEqual(withSession.rows, without.rows);
        assert.equal(withSession.keysVersion, without.keysVersion);
        assert.equal(without.lanyardSession, undefined);
        assert.ok(withSession.lanyardSession);
      });
    });
  });
}
