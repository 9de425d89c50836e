import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from '../support/browser.js';
import { uniqueEmail } from '../support/accounts.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';
import { browserOn } from '../support/pages.js';
import { addOrcidUser, createAccountWithOrcid } from '../support/orcid.js';

const language = (page: Page) => page.body.match(/<html lang="([a-z]+)">/)?.[1];

forEachBackend('English and German', (ctx) => {
  test('Accept-Language: de gives German pages; q-values are honoured; anything else is English', async () => {
    const browser = ctx().browser();
    const german = await browser.get('/login', { 'accept-language': 'de' });
    assert.equal(language(german), 'de');
    assert.match(german.body, /<h1>Anmelden<\/h1>/);
    assert.equal(language(await browser.get('/login', { 'accept-language': 'fr;q=1, de-AT;q=0.8, en;q=0.5' })), 'de');
    assert.equal(language(await browser.get('/login', { 'accept-language': 'de;q=0.2, en;q=0.9' })), 'en');
    const english = await browser.get('/login', { 'accept-language': 'fr' });
    assert.equal(language(english), 'en');
    assert.match(english.body, /<h1>Sign in<\/h1>/);
  });

  test('?lang=de switches to German and sticks (cookie) until ?lang=en', async () => {
    const browser = ctx().browser();
    assert.equal(language(await browser.get('/register?lang=de')), 'de');
    const later = await browser.get('/forgot', { 'accept-language': 'en' });
    assert.equal(language(later), 'de');
    assert.match(later.body, /Passwort/);
    assert.equal(language(await browser.get('/login?lang=en')), 'en');
    assert.equal(language(await browser.get('/login')), 'en');
  });

  test('error pages speak German too, with the same stable code', async () => {
    const page = await ctx().browser().get('/no-such-page', { 'accept-language': 'de' });
    assertRefused(page, 404, 'NOT_FOUND');
    assert.match(page.body, /Diese Seite gibt es nicht\./);
  });

  test('the mail of a German sign-up is in German', async () => {
    const email = uniqueEmail('deutsch');
    const browser = await browserOn(ctx(), '/register?lang=de');
    assert.equal((await browser.post('/register', { email })).status, 303);
    const mail = await ctx().mail.waitFor(email);
    assert.equal(mail.subject, 'Ihr Lanyard-Konto anlegen');
    assert.match(mail.text, /^Guten Tag,/);
  });
});

forEachBackend(
  'English and German, from a first sign-in',
  (ctx) => {
    test('an account made from a German first sign-in gets German mail, from its first one on', async () => {
      const email = uniqueEmail('erstanmeldung');
      const orcid = addOrcidUser(ctx(), { emails: [{ email, visibility: 'public', verified: true }] });
      const browser = await browserOn(ctx(), '/login?lang=de');
      await createAccountWithOrcid(browser, orcid);
      // The first: "ORCID iD was linked", sent as the account is made.
      const mail = await ctx().mail.waitFor(email);
      assert.match(mail.subject, /wurde mit Ihrem Lanyard-Konto verknüpft$/);
      const account = await ctx()
        .lanyard.db.selectFrom('account')
        .select('locale')
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
      assert.equal(account.locale, 'de', 'later mail (a sign-in notice, a reset) speaks German too');
    });
  },
  withOrcid,
);
