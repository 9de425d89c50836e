import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Account } from '../../src/db/schema.js';
import { createAccount, updateAccount } from '../../src/stores/accounts.js';
import { insertIdentity } from '../../src/stores/identities.js';
import type { Browser } from '../support/browser.js';
import { PASSWORD, mailedLink, seedAccount, signedInBrowser, uniqueEmail } from '../support/accounts.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { linkIn } from '../support/mail-catcher.js';
import { addOrcidUser, createPasswordAccount, signInWithOrcid } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { type TestApp, withOrcid } from '../support/test-app.js';
import { ApiClient } from '../api/support/api-client.js';

/** Both ways an account is barred: disabled, or kept but not allowed to sign in. */
const bars: [string, Partial<Pick<Account, 'status' | 'can_log_in'>>][] = [
  ['status disabled', { status: 'disabled' }],
  ['can_log_in false', { can_log_in: false }],
];

const bar = (app: TestApp, id: string, set: (typeof bars)[number][1]) =>
  app.lanyard.db.updateTable('account').set(set).where('id', '=', id).execute();

const passwordHash = async (app: TestApp, id: string) =>
  (
    await app.lanyard.db
      .selectFrom('identity')
      .select('password_hash')
      .where('account_id', '=', id)
      .where('provider', '=', 'password')
      .executeTakeFirstOrThrow()
  ).password_hash;

/** /profile sends a browser without a valid session to the sign-in page. */
async function assertSignedOut(browser: Browser, message: string): Promise<void> {
  const profile = await browser.get('/profile');
  assert.equal(profile.status, 302, message);
  assert.match(profile.location ?? '', /^\/login/, message);
}

forEachBackend(
  'a disabled account is refused on every way in',
  (ctx) => {
    for (const [name, set] of bars) {
      test(`${name}: existing sessions, the password page, the API login, the ORCID callback of its linked iD`, async () => {
        const app = ctx();
        const email = uniqueEmail('barred');
        const account = await createPasswordAccount(app, email);
        const orcid = addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }] });
        // Linked by its verified email while still active; a page session and an API session exist.
        const linked = await signInWithOrcid(app.browser(), orcid);
        assert.equal(linked.status, 303, linked.body.slice(0, 200));
        const page = await signedInBrowser(app, email);
        const api = await ApiClient.for(app);
        await api.status();
        const apiLogin = await api.post('/api/authn/login', { json: { user: email, password: PASSWORD } });
        assert.equal(apiLogin.status, 200);
        const bearer = String(apiLogin.headers.authorization);
        assert.match(bearer, /^Bearer /);

        await bar(app, account.id, set);

        await assertSignedOut(page, 'the page session still opens /profile');
        assert.equal((await api.get('/api/authn/status')).json().authenticated, false);
        const byBearer = await (
          await ApiClient.for(app)
        ).get('/api/authn/status', { headers: { authorization: bearer } });
        assert.equal(byBearer.json().authenticated, false, 'the Bearer token still authenticates');
        assertRefused(await page.post('/login', { email, password: PASSWORD }), 401, 'INVALID_CREDENTIALS');
        assertRefused(
          await api.post('/api/authn/login', { json: { user: email, password: PASSWORD } }),
          401,
          'INVALID_CREDENTIALS',
        );
        const fresh = app.browser();
        const callback = await signInWithOrcid(fresh, orcid);
        assertRefused(callback, 403, 'ACCOUNT_DISABLED');
        await assertSignedOut(fresh, 'the ORCID callback left a session');
      });

      test(`${name}: a reset link mailed before, a new reset request, a VALIDATION link — nothing changes, no session`, async () => {
        const app = ctx();
        const email = uniqueEmail('barred-mail');
        const account = await createPasswordAccount(app, email);
        const reset = await mailedLink(app, '/forgot', email);
        // A VALIDATION link: an iD without a usable email asks for one, and the account's is typed.
        const orcid = addOrcidUser(app, { emails: [] });
        const browser = app.browser();
        const back = await signInWithOrcid(browser, orcid);
        await browser.get(back.location!);
        await browser.post(`${back.location}/email`, { email });
        const validation = linkIn(
          await app.mail.waitFor(email, (m) => m.text.includes('/review-account/')),
          '/review-account/',
        );
        const hashBefore = await passwordHash(app, account.id);

        await bar(app, account.id, set);

        const resetter = app.browser();
        await resetter.get(reset);
        const newPassword = 'a brand new passphrase 42';
        assertRefused(
          await resetter.post(reset, { password: newPassword, passwordConfirm: newPassword }),
          403,
          'ACCOUNT_DISABLED',
        );
        assert.equal(await passwordHash(app, account.id), hashBefore, 'the password changed');
        await assertSignedOut(resetter, 'the reset signed the browser in');

        const before = await app.lanyard.db
          .selectFrom('registration')
          .select('id')
          .where('type', '=', 'FORGOT')
          .where('email', '=', email)
          .execute();
        const asked = app.browser();
        await asked.get('/forgot');
        assert.equal((await asked.post('/forgot', { email })).status, 303);
        const after = await app.lanyard.db
          .selectFrom('registration')
          .select('id')
          .where('type', '=', 'FORGOT')
          .where('email', '=', email)
          .execute();
        assert.equal(after.length, before.length, 'a new reset link was minted for a barred account');

        const opened = await browser.get(validation);
        const merged = opened.status === 200 ? await browser.post(validation, {}) : opened;
        assertRefused(merged, 403, 'ACCOUNT_DISABLED');
        const identity = await app.lanyard.db
          .selectFrom('identity')
          .select('id')
          .where('provider', '=', 'orcid')
          .where('subject', '=', orcid)
          .executeTakeFirst();
        assert.equal(identity, undefined, 'the iD was linked into the barred account');
        await assertSignedOut(browser, 'the VALIDATION link signed the browser in');
      });
    }

    test('merged into another account: it stays disabled (Enable is 409 ACCOUNT_MERGED), its page links the survivor, no way in reaches it', async () => {
      const app = ctx();
      const { db } = app.lanyard;
      const now = app.lanyard.clock.now();
      const operator = await seedAccount(app.lanyard);
      await updateAccount(db, operator.id, { is_admin: true }, now);
      const admin = await signedInBrowser(app, operator.email);
      const email = uniqueEmail('merged');
      const duplicate = await createPasswordAccount(app, email);
      const survivor = await createAccount(db, { email: uniqueEmail('survivor'), email_verified_at: now }, now);
      await insertIdentity(db, survivor.id, { provider: 'orcid', subject: addOrcidUser(app, { emails: [] }) }, now);
      await admin.get(`/admin/accounts/${survivor.id}`);
      const merged = await admin.post(`/admin/accounts/${survivor.id}/merge`, { duplicate: duplicate.id });
      assert.equal(merged.status, 303, merged.body.slice(0, 300));

      const page = await admin.get(`/admin/accounts/${duplicate.id}?lang=en`);
      assert.equal(page.status, 200);
      assert.match(page.body, new RegExp(`<dt>Merged into</dt>\\s*<dd><a href="/admin/accounts/${survivor.id}">`));
      assert.match(page.body, new RegExp(`data-merged-into="${survivor.id}"`));
      assert.doesNotMatch(page.body, /\/enable"/, 'an Enable button on a merged account');
      assert.match((await admin.get(`/admin/accounts/${duplicate.id}?lang=de`)).body, /<dt>Übernommen in<\/dt>/);
      assert.match((await admin.get(`/admin?q=${encodeURIComponent(email)}&lang=en`)).body, />Merged</);

      // Enabled, a password reset for its verified address would sign a browser in to a second live account.
      await expectNoChange(db, async () => {
        assertRefused(await admin.post(`/admin/accounts/${duplicate.id}/enable`, {}), 409, 'ACCOUNT_MERGED');
      });
      // Whatever code writes, the database keeps a merged account disabled.
      await assert.rejects(
        db.updateTable('account').set({ status: 'active' }).where('id', '=', duplicate.id).execute(),
      );
      const row = await db
        .selectFrom('account')
        .select(['status', 'merged_into'])
        .where('id', '=', duplicate.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'disabled', merged_into: survivor.id });

      // A password reset for its address: answered as for an address without an account (the
      // mail held back, never sent), and no reset link is minted.
      const asked = app.browser();
      await asked.get('/forgot');
      assert.equal((await asked.post('/forgot', { email })).status, 303);
      const resets = await db
        .selectFrom('registration')
        .select('id')
        .where('email', '=', email)
        .where('type', '=', 'FORGOT')
        .execute();
      assert.deepEqual(resets, [], 'a reset link was minted for the merged account');
      const held = await db
        .selectFrom('email_outbox')
        .select('held_reason')
        .where('to_address', '=', email)
        .where('kind', '=', 'forgot')
        .execute();
      assert.deepEqual(held, [{ held_reason: 'no_account' }]);
      // A provider releasing its verified address: not linked into it, nobody signed in; the person
      // is asked for the address of the account they use now (not stopped at "account disabled").
      const orcid = addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }] });
      const fresh = app.browser();
      const arrived = await signInWithOrcid(fresh, orcid);
      assert.equal(arrived.status, 303, arrived.body.slice(0, 300));
      assert.match(arrived.location!, /^\/external-login\//);
      const askPage = await fresh.get(arrived.location!);
      assert.match(askPage.body, /was merged into another one/);
      await assertSignedOut(fresh, 'the ORCID callback signed in to the merged account');
      // A mailed VALIDATION link for its address (an iD without an email, the address typed).
      const typed = addOrcidUser(app, { emails: [] });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, typed);
      await browser.get(back.location!);
      await browser.post(`${back.location}/email`, { email });
      const validation = linkIn(
        await app.mail.waitFor(email, (m) => m.text.includes('/review-account/')),
        '/review-account/',
      );
      const opened = await browser.get(validation);
      assertRefused(opened.status === 200 ? await browser.post(validation, {}) : opened, 403, 'ACCOUNT_DISABLED');
      await assertSignedOut(browser, 'the VALIDATION link signed in to the merged account');
      const linked = await db.selectFrom('identity').select('subject').where('account_id', '=', duplicate.id).execute();
      assert.deepEqual(linked, [], 'a way in was linked into the merged account');
    });
  },
  withOrcid,
);
