import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedAccount, signedInBrowser } from '../support/accounts.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { addOrcidUser, createAccountWithOrcid, signInWithPassword } from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

const NEW_PASSWORD = 'a long new passphrase';

/** An account made by a first ORCID sign-in: signed in, no password. */
async function orcidOnlyAccount(app: TestApp) {
  const email = `orcid-only-${Math.random().toString(36).slice(2, 8)}@uni.example`;
  const orcid = addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }] });
  const browser = app.browser();
  await createAccountWithOrcid(browser, orcid);
  return { browser, email };
}

const mainText = (body: string) =>
  (body.match(/<main[\s\S]*<\/main>/)?.[0] ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

forEachBackend(
  'the account page: names and a password for an account without one',
  (ctx) => {
    test('an ORCID-only account adds a password, is told by mail, and then signs in with it', async () => {
      const { browser, email } = await orcidOnlyAccount(ctx());
      const profile = await browser.get('/profile');
      assert.match(profile.body, /action="\/profile\/password\/add"/);
      assert.doesNotMatch(profile.body, /action="\/profile\/password"/, 'no "change" form without a password');
      const added = await browser.post('/profile/password/add', { password: NEW_PASSWORD });
      assert.equal(added.status, 303, added.body.slice(0, 300));
      const after = await browser.get('/profile');
      assert.match(mainText(after.body), /Your password is added/);
      assert.match(after.body, /action="\/profile\/password"/, 'now the change form');
      const notice = await ctx().mail.waitFor(email, (m) => /password was changed/.test(m.subject));
      assert.ok(notice);
      const elsewhere = await signInWithPassword(ctx().browser(), email, NEW_PASSWORD);
      assert.equal(elsewhere.status, 303);
      assert.equal(elsewhere.location, '/profile');
    });

    test('each way to sign in says when it was linked and last used, and what its provider released', async () => {
      const { browser, email } = await orcidOnlyAccount(ctx());
      const item =
        (await browser.get('/profile?lang=en')).body.match(/<li data-provider="orcid">[\s\S]*?<\/li>/)?.[0] ?? '';
      const text = mainText(`<main>${item}</main>`);
      assert.match(text, /Linked \d{1,2} \w+ \d{4}, \d\d:\d\d UTC/);
      assert.match(text, /Last used \d{1,2} \w+ \d{4}/);
      assert.match(text, new RegExp(`Released Test\\d+ Researcher, ${email.replace(/[.]/g, '\\.')} \\(verified\\)`));
    });

    test('a weak password is refused on the page, in words, and nothing is added', async () => {
      const { browser } = await orcidOnlyAccount(ctx());
      await browser.get('/profile');
      const refused = await expectNoChange(ctx().lanyard.db, () =>
        browser.post('/profile/password/add', { password: 'short' }),
      );
      assert.equal(refused.status, 400);
      assert.match(refused.body, /PASSWORD_TOO_WEAK/);
      assert.match(mainText(refused.body), /at least 10 characters/i);
    });

    test('attack: adding a password over an existing one, or without CSRF, or after the sign-in grew old, changes nothing', async () => {
      const account = await seedAccount(ctx().lanyard);
      const browser = await signedInBrowser(ctx(), account.email);
      await browser.get('/profile');
      await expectNoChange(ctx().lanyard.db, async () => {
        const over = await browser.post('/profile/password/add', { password: NEW_PASSWORD });
        assert.equal(over.status, 409);
        assert.match(over.body, /IDENTITY_ALREADY_LINKED/);
        const noCsrf = await browser.post('/profile/password/add', { password: NEW_PASSWORD, _csrf: 'forged' });
        assert.equal(noCsrf.status, 403);
      });
      const { browser: orcidBrowser } = await orcidOnlyAccount(ctx());
      await orcidBrowser.get('/profile');
      ctx().clock.advance((ctx().config.reauthSeconds + 60) * 1000);
      try {
        const stale = await expectNoChange(ctx().lanyard.db, () =>
          orcidBrowser.post('/profile/password/add', { password: NEW_PASSWORD }),
        );
        assert.equal(stale.status, 303);
        assert.match(stale.location ?? '', /^\/login\?reauth=1&returnTo=%2Fprofile$/);
      } finally {
        ctx().clock.advance(-(ctx().config.reauthSeconds + 60) * 1000);
      }
    });

    test('names are changed on the page, trimmed, and replace a name a provider supplied; empty clears', async () => {
      const { browser } = await orcidOnlyAccount(ctx());
      await browser.get('/profile');
      const saved = await browser.post('/profile/names', {
        givenName: '  Marie  Salomea ',
        familyName: 'Skłodowska-Curie',
      });
      assert.equal(saved.status, 303);
      const page = mainText((await browser.get('/profile?lang=de')).body);
      assert.match(page, /Ihr Name ist gespeichert/);
      assert.match(page, /Name Marie Salomea Skłodowska-Curie/);
      const [audited] = await ctx()
        .lanyard.db.selectFrom('audit_event')
        .select(['account_id', 'actor_account_id', 'detail'])
        .where('action', '=', 'names_change')
        .orderBy('at', 'desc')
        .limit(1)
        .execute();
      assert.equal(audited?.actor_account_id, audited?.account_id);
      assert.deepEqual(audited?.detail, {
        given_name: 'Marie Salomea',
        family_name: 'Skłodowska-Curie',
        display_name: null,
      });
      assert.match(mainText((await browser.get('/profile/activity?lang=en')).body), /Name changed/);
      await browser.post('/profile/names', { givenName: '', familyName: '' });
      assert.match(mainText((await browser.get('/profile?lang=en')).body), /No name given/);
    });

    test('bad input on the names form: too long, or missing a field → 400, nothing changed', async () => {
      const account = await seedAccount(ctx().lanyard);
      const browser = await signedInBrowser(ctx(), account.email);
      await browser.get('/profile');
      await expectNoChange(ctx().lanyard.db, async () => {
        assert.equal(
          (await browser.post('/profile/names', { givenName: 'x'.repeat(201), familyName: '' })).status,
          400,
        );
        assert.equal((await browser.post('/profile/names', { givenName: 'Only' })).status, 400);
        const anonymous = ctx().browser();
        await anonymous.get('/login');
        const signedOut = await anonymous.post('/profile/names', { givenName: 'Eve', familyName: 'Evil' });
        assert.ok([401, 403].includes(signedOut.status), `anonymous answered ${signedOut.status}`);
      });
    });
  },
  withOrcid,
);
