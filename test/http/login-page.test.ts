import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrfToken } from '../../src/http/csrf.js';
import type { Page } from '../support/browser.js';
import { PASSWORD, seedAccount, signedInBrowser } from '../support/accounts.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';

const field = (page: Page) => page.body.match(/name="_csrf" value="([^"]+)"/)?.[1];
/** The page with its CSRF field's value taken out: what every signed-out visitor of one language sees alike. */
const withoutToken = (page: Page) => page.body.replaceAll(field(page)!, 'TOKEN');
const csrfSetCookies = (page: Page) =>
  [page.headers['set-cookie'] ?? []].flat().filter((c) => c.startsWith('lanyard-csrf='));
const headersOf = (page: Page) => ({
  status: page.status,
  type: page.headers['content-type'],
  cache: page.headers['cache-control'],
  csp: page.headers['content-security-policy'],
});

// The plain sign-in page is rendered once per language and then sent around each request's CSRF
// token (sendFixedPage): these check it is what rendering it each time gives, for everyone.
forEachBackend('the sign-in page, rendered once per language', (ctx) => {
  test('every signed-out visitor gets the page as rendered for them, with a CSRF field of their own cookie', async () => {
    for (const language of ['en', 'de']) {
      const headers = { 'accept-language': language };
      const pages: Page[] = [];
      for (let i = 0; i < 3; i++) {
        const browser = ctx().browser();
        const page = await browser.get('/login', headers);
        const cookie = browser.cookie('lanyard-csrf')!;
        assert.equal(csrfSetCookies(page).length, 1, 'one new CSRF cookie');
        assert.equal(field(page), csrfToken(cookie, ctx().config), 'the field signs this browser’s cookie');
        pages.push(page);
      }
      // `?returnTo=/profile` is the same destination, rendered on every request.
      const rendered = await ctx().browser().get('/login?returnTo=%2Fprofile', headers);
      assert.match(rendered.body, new RegExp(`<html lang="${language}">`));
      for (const page of pages) {
        assert.equal(withoutToken(page), withoutToken(rendered));
        assert.deepEqual(headersOf(page), headersOf(rendered));
      }
      assert.notEqual(field(pages[0]!), field(pages[1]!));

      // A browser that has its CSRF cookie keeps it: no new cookie, the same field again.
      const browser = ctx().browser();
      const first = await browser.get('/login', headers);
      const again = await browser.get('/login', headers);
      assert.equal(csrfSetCookies(again).length, 0);
      assert.equal(field(again), field(first));
    }
  });

  test('the kept page signs in, and a notice or a session still shows on it', async () => {
    const account = await seedAccount(ctx().lanyard);
    const browser = ctx().browser();
    await browser.get('/login');
    await browser.get('/login');
    const signedIn = await browser.post('/login', { email: account.email, password: PASSWORD });
    assert.equal(signedIn.status, 303);

    // Signed in: the navigation offers signing out (its own CSRF field), not the kept page.
    const asMember = await browser.get('/login');
    assert.match(asMember.body, /action="\/logout"/);
    const anonymous = await ctx().browser().get('/login');
    assert.doesNotMatch(anonymous.body, /action="\/logout"/);

    // Signing out leaves a notice for the next page, once.
    const member = await signedInBrowser(ctx(), account.email);
    await member.get('/profile');
    assert.equal((await member.post('/logout', {})).status, 303);
    const notice = await member.get('/login');
    assert.equal(withoutToken(notice).includes('You are signed out'), true, notice.body.slice(0, 2000));
    const after = await member.get('/login');
    assert.equal(withoutToken(after), withoutToken(anonymous));
  });

  test('signing in again before a sensitive change offers no new account to the person signed in, in either language, and works without scripts', async () => {
    const app = ctx();
    for (const [language, register] of [
      ['en', 'Create an account'],
      ['de', 'Konto anlegen'],
    ] as const) {
      const headers = { 'accept-language': language };
      const account = await seedAccount(app.lanyard);
      const browser = await signedInBrowser(app, account.email);
      await browser.get('/profile', headers);
      const stale = app.config.reauthSeconds * 1000 + 1000;
      app.clock.advance(stale);
      try {
        const asked = await browser.post('/profile/email', { email: `new-${account.email}` }, headers);
        assert.equal(asked.status, 303, language);
        assert.equal(asked.location, `/login?reauth=1&returnTo=${encodeURIComponent('/profile')}`, language);
        const page = await browser.get(asked.location!, headers);
        assert.equal(page.status, 200, language);
        assert.match(page.body, /class="notice notice-info"/, language);
        // Already signed in: an account of their own is not what they need here.
        assert.doesNotMatch(page.body, /href="\/register"/, language);
        assert.equal(page.body.includes(register), false, `${language}: ${register}`);
        // The plain form signs in again (no script on the way) and goes back where the person was.
        const again = await browser.post('/login', { email: account.email, password: PASSWORD, returnTo: '/profile' });
        assert.equal(again.status, 303, language);
        assert.equal(again.location, '/profile', language);
        await browser.get('/profile', headers);
        const done = await browser.post('/profile/email', { email: `new-${account.email}` }, headers);
        assert.equal(done.status, 303, language);
        assert.equal(done.location, '/profile', language);
      } finally {
        app.clock.advance(-stale);
      }
      // Someone signed out still gets the offer.
      assert.equal((await app.browser().get('/login?reauth=1', headers)).body.includes(register), true, language);
    }
  });
});

forEachBackend(
  'the ORCID hint on the sign-in page',
  (ctx) => {
    const hints = {
      en: {
        signIn: 'Use your ORCID iD to sign in or to create your account.',
        again: 'Confirm it is you with your ORCID iD.',
      },
      de: {
        signIn: 'Melden Sie sich mit Ihrer ORCID iD an oder legen Sie damit Ihr Konto an.',
        again: 'Bestätigen Sie mit Ihrer ORCID iD, dass Sie es sind.',
      },
    } as const;

    test('someone signed in, asked to sign in again, is not offered to create an account with ORCID; anyone signed out is', async () => {
      const app = ctx();
      for (const language of ['en', 'de'] as const) {
        const headers = { 'accept-language': language };
        const { signIn, again } = hints[language];
        const account = await seedAccount(app.lanyard);
        const browser = await signedInBrowser(app, account.email);
        const reauth = await browser.get(`/login?reauth=1&returnTo=${encodeURIComponent('/profile')}`, headers);
        assert.equal(reauth.status, 200, language);
        assert.match(reauth.body, /href="\/auth\/orcid\?/, language);
        assert.equal(reauth.body.includes(again), true, `${language}: ${reauth.body}`);
        assert.equal(reauth.body.includes(signIn), false, language);

        for (const path of ['/login', '/login?returnTo=%2Fprofile', '/login?reauth=1']) {
          const page = await app.browser().get(path, headers);
          assert.equal(page.body.includes(signIn), true, `${language} ${path}`);
          assert.equal(page.body.includes(again), false, `${language} ${path}`);
        }
      }
    });
  },
  withOrcid,
);
