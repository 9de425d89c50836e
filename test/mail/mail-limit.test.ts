import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PASSWORD, seedAccount, signedInBrowser, uniqueEmail } from '../support/accounts.js';
import type { Browser } from '../support/browser.js';
import { addOrcidUser, signInWithOrcid } from '../support/orcid.js';
import { browserOn } from '../support/pages.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';

const HELD_BACK =
  /class="notice notice-warning"\s+role="alert"\s*>\s*<p>If the address is right, a link is already on its way/;
const minutesIn = (body: string) => Number(body.match(/ask for another in (\d+) minutes?/)?.[1]);

forEachBackend(
  'the per-address mail limit says so on the page, reveals no account, and never holds back a security notice',
  (ctx) => {
    /** Posts a form and follows the redirect, as a browser does; returns the page it lands on. */
    const submit = async (browser: Browser, path: string, form: Record<string, string>) => {
      const answer = await browser.post(path, form);
      assert.equal(answer.status, 303, `${path}: ${answer.body.slice(0, 200)}`);
      return browser.follow(answer);
    };
    const rows = (email: string) =>
      ctx()
        .lanyard.db.selectFrom('email_outbox')
        .select(['kind', 'held_reason'])
        .where('to_address', '=', email)
        .orderBy('created_at')
        .execute();

    test('/forgot: the third request in an hour is held back — the page says when to ask again, the same for an address with and without an account', async () => {
      const known = (await seedAccount(ctx().lanyard)).email;
      const unknown = uniqueEmail('nobody');
      for (const email of [known, unknown]) {
        const browser = await browserOn(ctx(), '/forgot');
        for (let i = 0; i < 2; i++) {
          const page = await submit(browser, '/forgot', { email });
          assert.doesNotMatch(page.body, HELD_BACK, `request ${i + 1} for ${email} is not held back`);
          await browser.get('/forgot');
        }
        const held = await submit(browser, '/forgot', { email });
        assert.match(held.body, HELD_BACK);
        assert.equal(minutesIn(held.body), 60);
        assert.equal(held.body.match(/<h1>[^<]*<\/h1>/)?.[0], '<h1>Check your inbox</h1>');
        // Shown once: the next page has no leftover message.
        assert.doesNotMatch((await browser.get('/email-confirmation')).body, HELD_BACK);
      }
      assert.deepEqual(
        (await rows(known)).map((r) => r.held_reason),
        [null, null, 'rate_limit'],
      );
      assert.deepEqual(
        (await rows(unknown)).map((r) => r.held_reason),
        ['no_account', 'no_account', 'rate_limit'],
      );

      // Asking again while held back does not push the wait further; 25 minutes later it is 35.
      ctx().clock.advance(25 * 60_000);
      const later = await submit(await browserOn(ctx(), '/forgot'), '/forgot', { email: known });
      assert.equal(minutesIn(later.body), 35);
      ctx().clock.advance(36 * 60_000);
      assert.doesNotMatch(
        (await submit(await browserOn(ctx(), '/forgot'), '/forgot', { email: known })).body,
        HELD_BACK,
      );
    });

    test('/register: held back the same way for a new address and for one with an account', async () => {
      for (const email of [(await seedAccount(ctx().lanyard)).email, uniqueEmail('new')]) {
        const browser = await browserOn(ctx(), '/register');
        await submit(browser, '/register', { email });
        await browser.get('/register');
        await submit(browser, '/register', { email });
        await browser.get('/register');
        assert.match((await submit(browser, '/register', { email })).body, HELD_BACK);
      }
    });

    test('security notices are sent at the limit and do not count: a password change mails the owner after two resets', async () => {
      const account = await seedAccount(ctx().lanyard);
      const browser = await browserOn(ctx(), '/forgot');
      for (let i = 0; i < 2; i++) {
        await submit(browser, '/forgot', { email: account.email });
        await browser.get('/forgot');
      }
      const signedIn = await signedInBrowser(ctx(), account.email);
      await signedIn.get('/profile');
      const changed = await signedIn.post('/profile/password', {
        current: PASSWORD,
        password: 'a brand new passphrase',
      });
      assert.equal(changed.status, 200);
      const notice = await ctx().mail.waitFor(account.email, (m) => /password was changed/.test(m.subject));
      assert.match(notice.text, /If this was not you/);
      assert.deepEqual(
        (await rows(account.email)).map((r) => `${r.kind} ${r.held_reason ?? 'sent'}`),
        ['forgot sent', 'forgot sent', 'password_changed sent'],
      );
      // The notice did not use up the address's share: the limit is still "2 counted", so the next is held.
      assert.match((await submit(browser, '/forgot', { email: account.email })).body, HELD_BACK);
    });

    test('the "linked to your account" notice is sent at the limit and does not count: an auto-link after two resets', async () => {
      const account = await seedAccount(ctx().lanyard);
      const browser = await browserOn(ctx(), '/forgot');
      for (let i = 0; i < 2; i++) {
        await submit(browser, '/forgot', { email: account.email });
        await browser.get('/forgot');
      }
      assert.match((await submit(browser, '/forgot', { email: account.email })).body, HELD_BACK, 'the limit is full');
      const orcid = addOrcidUser(ctx(), { emails: [{ email: account.email, visibility: 'public', verified: true }] });
      const back = await signInWithOrcid(ctx().browser(), orcid, { returnTo: '/profile' });
      assert.equal(back.location, '/profile', 'auto-linked and signed in');
      const notice = await ctx().mail.waitFor(account.email, (m) => /linked/i.test(m.subject));
      assert.match(notice.text, new RegExp(orcid));
      assert.deepEqual(
        (await rows(account.email)).map((r) => `${r.kind} ${r.held_reason ?? 'sent'}`),
        ['forgot sent', 'forgot sent', 'forgot rate_limit', 'identity_linked sent'],
      );
    });

    test('the ORCID "we need your email" form: held back after two links, with the same message', async () => {
      const orcid = addOrcidUser(ctx(), { emails: [] });
      const email = uniqueEmail('typed');
      for (let i = 0; i < 3; i++) {
        const browser = ctx().browser();
        const back = await signInWithOrcid(browser, orcid);
        await browser.get(back.location!);
        const page = await submit(browser, `${back.location!}/email`, { email });
        if (i < 2) assert.doesNotMatch(page.body, HELD_BACK);
        else assert.match(page.body, HELD_BACK);
      }
    });
  },
  { ...withOrcid, LANYARD_RATE_MAIL_PER_HOUR: '2', LANYARD_RATE_SIGNIN_PER_MINUTE: '100' },
);
