import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNewDevice } from '../../src/accounts/sessions.js';
import { PASSWORD, seedAccount, signedInFrom } from '../support/accounts.js';
import { browserOn } from '../support/pages.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const FIREFOX_LINUX_NEWER = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const signInFrom = signedInFrom;

const outbox = (app: TestApp, email: string) =>
  app.lanyard.db
    .selectFrom('email_outbox')
    .select(['kind', 'held_reason'])
    .where('to_address', '=', email)
    .orderBy('created_at')
    .execute();

test('a new device is a browser and system none of the latest sessions used; a first sign-in is not one', () => {
  assert.equal(isNewDevice(FIREFOX_LINUX, []), false);
  assert.equal(isNewDevice(FIREFOX_LINUX, [FIREFOX_LINUX]), false);
  assert.equal(isNewDevice(FIREFOX_LINUX_NEWER, [FIREFOX_LINUX]), false, 'a browser update is the same device');
  assert.equal(isNewDevice(CHROME_WINDOWS, [FIREFOX_LINUX]), true);
  assert.equal(isNewDevice('some-script/1.0', ['other-script/2.0']), true, 'unknown agents compare as written');
  assert.equal(isNewDevice(null, [null]), false);
});

forEachBackend(
  'security notices by mail',
  (ctx) => {
    test('a sign-in from a new browser and system is mailed to the owner naming it; the same device again is not', async () => {
      const account = await seedAccount(ctx().lanyard);
      await signInFrom(ctx(), account.email, FIREFOX_LINUX);
      await signInFrom(ctx(), account.email, FIREFOX_LINUX_NEWER);
      assert.deepEqual(await outbox(ctx(), account.email), [], 'the first device and its update are not new');

      await signInFrom(ctx(), account.email, CHROME_WINDOWS);
      const notice = await ctx().mail.waitFor(account.email, (m) => /New sign-in/.test(m.subject));
      assert.match(notice.text, /from Chrome on Windows with Password, from the address 127\.0\.0\.1/);
      assert.match(notice.text, /\/profile\/sessions/);
      await signInFrom(ctx(), account.email, CHROME_WINDOWS);
      assert.deepEqual(
        (await outbox(ctx(), account.email)).map((r) => r.kind),
        ['new_device_sign_in'],
        'the second sign-in from the same device mailed again',
      );
    });

    test('a sign-in whose new-device notice cannot be queued does not stand: no session, the replaced session lives on, the append-only trail says it was taken back', async () => {
      const { lanyard } = ctx();
      const account = await seedAccount(lanyard);
      const browser = await signInFrom(ctx(), account.email, FIREFOX_LINUX);
      const sessions = () =>
        lanyard.db
          .selectFrom('session')
          .select(['id', 'revoked_at'])
          .where('account_id', '=', account.id)
          .orderBy('id')
          .execute();
      const signIns = () =>
        lanyard.db
          .selectFrom('audit_event')
          .select(['id', 'outcome', 'detail'])
          .where('account_id', '=', account.id)
          .where('action', '=', 'sign_in')
          .execute();
      const before = { sessions: await sessions(), signIns: await signIns() };
      const queueMail = lanyard.queueMail;
      lanyard.queueMail = async () => {
        throw new Error('the outbox is unavailable');
      };
      try {
        // The same browser signs in again, as another device: the new session would replace its own.
        await browser.get('/login', { 'user-agent': CHROME_WINDOWS });
        const page = await browser.post(
          '/login',
          { email: account.email, password: PASSWORD },
          { 'user-agent': CHROME_WINDOWS },
        );
        assert.notEqual(page.status, 303, 'the sign-in stood without its notice');
      } finally {
        lanyard.queueMail = queueMail;
      }
      assert.deepEqual(await sessions(), before.sessions, 'a session was started or the replaced one stayed ended');
      // The trail is append-only: the sign-in's row stays, and a failure row beside it takes it back.
      const after = await signIns();
      const known = new Set(before.signIns.map((r) => r.id));
      assert.deepEqual(
        before.signIns.filter((r) => !after.some((a) => a.id === r.id)),
        [],
        'an audit row was deleted',
      );
      const added = after.filter((r) => !known.has(r.id));
      assert.deepEqual(
        added.map((r) => `${r.outcome} ${(r.detail as { reason?: string }).reason ?? ''}`).sort(),
        ['failure new_device_notice_not_queued', 'success '],
        'the audit trail does not say the sign-in was taken back',
      );
      assert.equal((await browser.get('/profile')).status, 200, 'the browser was signed out of its own session');
      assert.deepEqual(await outbox(ctx(), account.email), []);
    });

    test('the notice is in the account’s language', async () => {
      const account = await seedAccount(ctx().lanyard);
      await ctx().lanyard.db.updateTable('account').set({ locale: 'de' }).where('id', '=', account.id).execute();
      await signInFrom(ctx(), account.email, FIREFOX_LINUX);
      await signInFrom(ctx(), account.email, CHROME_WINDOWS);
      const notice = await ctx().mail.waitFor(account.email, (m) => /Neue Anmeldung/.test(m.subject));
      assert.match(notice.text, /von Chrome unter Windows mit Passwort/);
    });

    test('a new-device notice is never held back by the per-address mail limit', async () => {
      const account = await seedAccount(ctx().lanyard);
      await signInFrom(ctx(), account.email, FIREFOX_LINUX);
      const browser = await browserOn(ctx(), '/forgot');
      for (let i = 0; i < 3; i++) {
        await browser.post('/forgot', { email: account.email });
        await browser.get('/forgot');
      }
      assert.ok(
        (await outbox(ctx(), account.email)).some((r) => r.held_reason === 'rate_limit'),
        'the limit was not reached',
      );
      await signInFrom(ctx(), account.email, CHROME_WINDOWS);
      const rows = await outbox(ctx(), account.email);
      assert.deepEqual(rows.at(-1), { kind: 'new_device_sign_in', held_reason: null });
      await ctx().mail.waitFor(account.email, (m) => /New sign-in/.test(m.subject));
    });

    test('removing a way to sign in mails the owner naming it', async () => {
      const account = await seedAccount(ctx().lanyard);
      const browser = await signInFrom(ctx(), account.email, FIREFOX_LINUX);
      // A second way in, so the password may be removed: an identity of a provider no longer configured.
      const identity = await ctx()
        .lanyard.db.insertInto('identity')
        .values({
          account_id: account.id,
          provider: 'retired',
          subject: 'r-1',
          issuer: null,
          email: null,
          password_hash: null,
          profile: JSON.stringify({}),
          created_at: ctx().clock.now(),
          last_used_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await browser.get('/profile');
      const done = await browser.post(`/profile/identities/${identity.id}/unlink`, {});
      assert.equal(done.status, 303);
      const notice = await ctx().mail.waitFor(account.email, (m) => /removed/.test(m.subject));
      assert.match(notice.text, /retired r-1 was removed from your account/);
    });
  },
  { LANYARD_RATE_MAIL_PER_HOUR: '2' },
);
