import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkIn } from '../support/mail-catcher.js';
import { addOrcidUser, createPasswordAccount, signInWithOrcid, signInWithPassword } from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';

/** docs/design.md token rules, attacked through the pages (the REST API has its own suite). */
forEachBackend(
  'registration tokens on the pages',
  (ctx) => {
    const pendingRegistration = async (
      emails: { email: string; visibility: 'public' | 'private'; verified: boolean }[] = [],
    ) => {
      const app = ctx();
      const orcid = addOrcidUser(app, { emails });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      return { app, orcid, browser, path: back.location!, token: back.location!.split('/').pop()! };
    };

    test('tokens are 256-bit, stored only as a hash', async () => {
      const { app, token } = await pendingRegistration();
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      const rows = await app.lanyard.db.selectFrom('registration').select(['token_hash']).execute();
      assert.ok(rows.every((r) => r.token_hash !== token && /^[0-9a-f]{64}$/.test(r.token_hash)));
    });

    test('an expired EXTERNAL token is refused on every use', async () => {
      const { app, browser, path } = await pendingRegistration([
        { email: 'late@uni.example', visibility: 'public', verified: true },
      ]);
      assert.equal((await browser.get(path)).status, 200);
      app.clock.advance(app.config.tokenTtl.EXTERNAL * 1000 + 1000);
      const attempts = [
        await browser.post(`${path}/create`, {}),
        await browser.post(`${path}/email`, { email: 'x@uni.example' }),
        await browser.get(path),
      ];
      for (const page of attempts) {
        assert.equal(page.status, 401);
        assert.match(page.body, /data-error-code="TOKEN_EXPIRED"/);
      }
      assert.equal(
        (await app.lanyard.db.selectFrom('account').select('id').where('email', '=', 'late@uni.example').execute())
          .length,
        0,
      );
    });

    test('a used token cannot be used again', async () => {
      const { app, browser, path } = await pendingRegistration([
        { email: 'once@uni.example', visibility: 'public', verified: true },
      ]);
      await browser.get(path);
      assert.equal((await browser.post(`${path}/create`, {})).status, 303);
      const again = await app.browser().get(path);
      assert.equal(again.status, 401);
      assert.match(again.body, /TOKEN_CONSUMED/);
    });

    test('a VALIDATION link merges only into the account that owns the email, whoever opens it', async () => {
      const { app, orcid, browser, path } = await pendingRegistration();
      const owner = await createPasswordAccount(app, 'owner-v@uni.example');
      await createPasswordAccount(app, 'other-v@uni.example');
      await browser.get(path);
      await browser.post(`${path}/email`, { email: 'owner-v@uni.example' });
      const link = linkIn(
        await app.mail.waitFor('owner-v@uni.example', (m) => m.text.includes('/review-account/')),
        '/review-account/',
      );
      // Someone signed in to another account opens the owner's link: refused, nothing linked.
      const other = app.browser();
      await signInWithPassword(other, 'other-v@uni.example');
      const refused = await other.get(link);
      assert.equal(refused.status, 403);
      // Another browser without the iD: refused (test/orcid/mailed-link-proof.test.ts).
      const anonymous = app.browser();
      await anonymous.get(link);
      assert.equal((await anonymous.post(link, { confirm: 'yes' })).status, 403);
      // There the person signs in with the same iD first, then confirms: linked into the owner's account.
      await signInWithOrcid(anonymous, orcid, { startPath: `${new URL(link).pathname}/prove`, form: {} });
      await anonymous.get(link);
      const merged = await anonymous.post(link, { confirm: 'yes' });
      assert.equal(merged.status, 303);
      const identity = await app.lanyard.db
        .selectFrom('identity')
        .selectAll()
        .where('subject', '=', orcid)
        .executeTakeFirstOrThrow();
      assert.equal(identity.account_id, owner.id);
    });

    test('typing another email mails the same confirmation whether or not an account uses it (no enumeration)', async () => {
      const { app, browser, path } = await pendingRegistration();
      await createPasswordAccount(app, 'known-e@uni.example');
      await browser.get(path);
      const known = await browser.post(`${path}/email`, { email: 'known-e@uni.example' });
      const second = await pendingRegistration();
      await second.browser.get(second.path);
      const unknown = await second.browser.post(`${second.path}/email`, { email: 'unknown-e@uni.example' });
      assert.equal(known.status, unknown.status);
      assert.equal(known.location, unknown.location);
      await app.mail.waitFor('known-e@uni.example');
      await app.mail.waitFor('unknown-e@uni.example');
    });

    test('a malformed email on "we need your email" is a 400 with its code, and the token stays usable', async () => {
      const { browser, path } = await pendingRegistration();
      await browser.get(path);
      const bad = await browser.post(`${path}/email`, { email: 'not an email' });
      assert.equal(bad.status, 400);
      assert.match(bad.body, /data-error-code="INVALID_EMAIL"/);
      assert.equal((await browser.get(path)).status, 200);
    });

    test('a reset link cannot reopen a disabled account, and a VALIDATION link cannot merge into one', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, 'disabled-r@uni.example');
      await app.lanyard.db.updateTable('account').set({ status: 'disabled' }).where('id', '=', account.id).execute();
      const browser = app.browser();
      await browser.get('/register');
      await browser.post('/register', { email: 'disabled-r@uni.example' });
      const reset = linkIn(
        await app.mail.waitFor('disabled-r@uni.example', (m) => m.text.includes('/forgot/')),
        '/forgot/',
      );
      await browser.get(reset);
      const refused = await browser.post(reset, {
        password: 'a brand new passphrase',
        passwordConfirm: 'a brand new passphrase',
      });
      assert.equal(refused.status, 403);
      assert.match(refused.body, /data-error-code="ACCOUNT_DISABLED"/);
      assert.equal(
        (await app.lanyard.db.selectFrom('session').select('id').where('account_id', '=', account.id).execute()).length,
        0,
      );

      const pending = await pendingRegistration();
      await pending.browser.get(pending.path);
      await pending.browser.post(`${pending.path}/email`, { email: 'disabled-r@uni.example' });
      const link = linkIn(
        await app.mail.waitFor('disabled-r@uni.example', (m) => m.text.includes('/review-account/')),
        '/review-account/',
      );
      assert.equal((await app.browser().get(link)).status, 403);
    });
  },
  withOrcid,
);
