import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Account } from '../../src/db/schema.js';
import { PASSWORD, mailedLink, seedAccount, signedInBrowser, uniqueEmail } from '../support/accounts.js';
import type { Browser } from '../support/browser.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { linkIn } from '../support/mail-catcher.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';

const MAIL_PER_HOUR = 2;

const mainText = (body: string) =>
  (body.match(/<main[\s\S]*<\/main>/)?.[0] ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const pathOf = (link: string) => new URL(link).pathname;

/** A password account and a browser signed in to it, on /profile (its CSRF token known). */
async function researcher(app: TestApp): Promise<{ account: Account; browser: Browser }> {
  const account = await seedAccount(app.lanyard);
  const browser = await signedInBrowser(app, account.email);
  assert.equal((await browser.get('/profile')).status, 200);
  return { account, browser };
}

/** Asks for a change to `to` on /profile and returns the link mailed there. */
async function requestChange(app: TestApp, browser: Browser, to: string): Promise<string> {
  const earlier = new Set(app.mail.messages);
  const sent = await browser.post('/profile/email', { email: to });
  assert.equal(sent.status, 303, sent.body.slice(0, 300));
  assert.equal(sent.location, '/profile');
  return pathOf(linkIn(await app.mail.waitFor(to, (m) => !earlier.has(m)), '/profile/email/'));
}

const accountRow = (app: TestApp, id: string) =>
  app.lanyard.db.selectFrom('account').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

forEachBackend(
  'changing the account email by a link mailed to the new address',
  (ctx) => {
    test('the link confirms the new address as verified, a notice goes to the old one, it is audited and shown', async () => {
      const app = ctx();
      const { account, browser } = await researcher(app);
      const to = uniqueEmail('new');
      const link = await requestChange(app, browser, to);
      assert.match(mainText((await browser.get('/profile?lang=en')).body), new RegExp(`a link is on its way to it`));
      assert.equal((await accountRow(app, account.id)).email, account.email, 'nothing changes before the link');

      const page = await browser.get(link);
      assert.equal(page.status, 200);
      assert.match(mainText(page.body), new RegExp(`will use ${to} from now on`));
      const done = await browser.post(link, {});
      assert.equal(done.status, 303, done.body.slice(0, 300));
      assert.equal(done.location, '/profile');
      const profile = mainText((await browser.get('/profile?lang=en')).body);
      assert.match(profile, new RegExp(`Your email address is now ${to}\\. We sent a notice to ${account.email}`));
      assert.match(profile, new RegExp(`${to} Verified`, 'i'));

      const row = await accountRow(app, account.id);
      assert.equal(row.email, to);
      assert.ok(row.email_verified_at);
      const notice = await app.mail.waitFor(account.email, (m) =>
        /email address of your .* was changed/.test(m.subject),
      );
      assert.match(notice.text, new RegExp(`your account was changed to use the address ${to}`));
      const audit = await app.lanyard.db
        .selectFrom('audit_event')
        .selectAll()
        .where('account_id', '=', account.id)
        .where('action', 'in', ['email_change', 'email_change_requested'])
        .orderBy('at')
        .execute();
      assert.deepEqual(
        audit.map((e) => [e.action, e.actor_account_id, e.detail]),
        [
          ['email_change_requested', account.id, { to }],
          ['email_change', account.id, { from: account.email, to }],
        ],
      );
      assert.match(mainText((await browser.get('/profile/activity?lang=en')).body), /Email address changed/);

      // The password now signs in with the new address, not the old.
      await signedInBrowser(app, to, PASSWORD);
      const old = app.browser();
      await old.get('/login');
      assert.equal((await old.post('/login', { email: account.email, password: PASSWORD })).status, 401);

      const again = await expectNoChange(app.lanyard.db, () => browser.post(link, {}));
      assert.equal(again.status, 401);
      assert.match(again.body, /TOKEN_CONSUMED/);
    });

    test('signed out, the link changes nothing: it leads to the sign-in page, told why, and back to the link; signed in, it confirms', async () => {
      const app = ctx();
      const { account, browser } = await researcher(app);
      const to = uniqueEmail('elsewhere');
      const link = await requestChange(app, browser, to);
      const phone = app.browser();
      const shown = await phone.get(link);
      assert.equal(shown.status, 303);
      assert.equal(shown.location, `/login?returnTo=${encodeURIComponent(link)}`);
      assert.match(
        mainText((await phone.get(`${shown.location}&lang=en`)).body),
        /Sign in to the account that asked for the new address to confirm it\./,
      );
      const posted = await expectNoChange(app.lanyard.db, () => phone.post(link, {}));
      assert.equal(posted.status, 303);
      assert.equal(posted.location, `/login?returnTo=${encodeURIComponent(link)}`);
      assert.equal((await accountRow(app, account.id)).email, account.email);

      const signedIn = await phone.post('/login', { email: account.email, password: PASSWORD, returnTo: link });
      assert.equal(signedIn.status, 303);
      assert.equal(signedIn.location, link);
      assert.equal((await phone.get(link)).status, 200);
      const done = await phone.post(link, {});
      assert.equal(done.status, 303);
      assert.equal(done.location, '/profile');
      assert.equal((await accountRow(app, account.id)).email, to);
    });

    test("attack: an account asks for a stranger's address; the stranger opening the link, signed out or signed in to their own account, gives it nothing", async () => {
      const app = ctx();
      const { account: attacker, browser } = await researcher(app);
      const { account: stranger } = await researcher(app);
      const victimAddress = uniqueEmail('victim');
      const link = await requestChange(app, browser, victimAddress);
      // The person at that address, with no account at all, clicks "use this address".
      const inbox = app.browser();
      await inbox.get('/login'); // a page of Lanyard's seen before: its forms' CSRF cookie is set
      assert.equal((await inbox.get(link)).status, 303);
      assert.equal((await expectNoChange(app.lanyard.db, () => inbox.post(link, {}))).status, 303);
      // Someone signed in to an account of their own does the same.
      const other = await signedInBrowser(app, stranger.email);
      assert.equal((await other.get(link)).status, 403);
      const refused = await expectNoChange(app.lanyard.db, () => other.post(link, {}));
      assert.equal(refused.status, 403);
      assert.match(refused.body, /EMAIL_CHANGE_OTHER_ACCOUNT/);
      const after = await accountRow(app, attacker.id);
      assert.equal(after.email, attacker.email, "the attacker's account took the stranger's address");
    });

    test('an address another account holds: the same answer, a mail to that address, nothing to confirm', async () => {
      const app = ctx();
      const { account, browser } = await researcher(app);
      const holder = await seedAccount(app.lanyard);
      const free = uniqueEmail('free');
      await requestChange(app, browser, free);
      const freeAnswer = mainText((await browser.get('/profile?lang=en')).body).replace(free, 'X');

      const earlier = new Set(app.mail.messages);
      const taken = await browser.post('/profile/email', { email: holder.email.toUpperCase() });
      assert.equal(taken.status, 303);
      assert.equal(taken.location, '/profile');
      const takenAnswer = mainText((await browser.get('/profile?lang=en')).body).replace(holder.email, 'X');
      assert.equal(takenAnswer, freeAnswer, 'the requester learns nothing about the address');

      const told = await app.mail.waitFor(holder.email, (m) => !earlier.has(m));
      assert.match(told.text, /you have an account with it already, so nothing was changed/);
      assert.doesNotMatch(told.text, /\/profile\/email\//, 'no link that would move the address');
      const pending = await app.lanyard.db
        .selectFrom('registration')
        .select('email')
        .where('account_id', '=', account.id)
        .where('type', '=', 'CHANGE_EMAIL')
        .execute();
      assert.deepEqual(
        pending.map((r) => r.email),
        [free],
      );
      // The requested events read the same whichever address it was.
      const requested = await app.lanyard.db
        .selectFrom('audit_event')
        .select(['outcome', 'detail'])
        .where('account_id', '=', account.id)
        .where('action', '=', 'email_change_requested')
        .orderBy('at')
        .execute();
      assert.deepEqual(
        requested.map((e) => [e.outcome, Object.keys(e.detail)]),
        [
          ['success', ['to']],
          ['success', ['to']],
        ],
      );
      assert.equal((await accountRow(app, holder.id)).email, holder.email);
    });

    test('a newer request ends the older link; a link confirmed after its address was taken is EMAIL_TAKEN', async () => {
      const app = ctx();
      const { account, browser } = await researcher(app);
      const first = await requestChange(app, browser, uniqueEmail('first'));
      const secondAddress = uniqueEmail('second');
      const second = await requestChange(app, browser, secondAddress);
      const older = await expectNoChange(app.lanyard.db, () => browser.post(first, {}));
      assert.equal(older.status, 401);
      assert.match(older.body, /TOKEN_EXPIRED/);

      // Someone registers the address before the link is opened.
      await seedAccount(app.lanyard, secondAddress);
      const refused = await expectNoChange(app.lanyard.db, () => browser.post(second, {}));
      assert.equal(refused.status, 409);
      assert.match(refused.body, /EMAIL_TAKEN/);
      assert.equal((await accountRow(app, account.id)).email, account.email);
    });

    test('attack: bad addresses, no CSRF, a stale or no sign-in — 4xx or a new sign-in, and nothing changed', async () => {
      const app = ctx();
      const { account, browser } = await researcher(app);
      await expectNoChange(app.lanyard.db, async () => {
        for (const bad of [
          'not-an-address',
          'a@b',
          'x@example.org\r\nBcc: y@example.org',
          `${'a'.repeat(250)}@x.org`,
        ]) {
          const refused = await browser.post('/profile/email', { email: bad });
          assert.equal(refused.status, 400, bad);
          assert.match(refused.body, /data-error-code="INVALID_EMAIL"/, bad);
        }
        const same = await browser.post('/profile/email', { email: ` ${account.email.toUpperCase()} ` });
        assert.equal(same.status, 400);
        assert.match(same.body, /data-error-code="EMAIL_UNCHANGED"/);
        assert.equal((await browser.post('/profile/email', { email: 'x'.repeat(1001) })).status, 400);
        const forged = await browser.post('/profile/email', { email: uniqueEmail(), _csrf: 'forged' });
        assert.equal(forged.status, 403);
        assert.match(forged.body, /CSRF_FAILED/);
        const anonymous = app.browser();
        await anonymous.get('/login');
        const signedOut = await anonymous.post('/profile/email', { email: uniqueEmail() });
        assert.equal(signedOut.status, 401);
      });
      app.clock.advance((app.config.reauthSeconds + 60) * 1000);
      try {
        const stale = await expectNoChange(app.lanyard.db, () =>
          browser.post('/profile/email', { email: uniqueEmail() }),
        );
        assert.equal(stale.status, 303);
        assert.match(stale.location ?? '', /^\/login\?reauth=1&returnTo=%2Fprofile$/);
      } finally {
        app.clock.advance(-(app.config.reauthSeconds + 60) * 1000);
      }
    });

    test('attack: the link opened signed in to another account, expired, forged or without CSRF changes nothing', async () => {
      const app = ctx();
      const { account, browser } = await researcher(app);
      const link = await requestChange(app, browser, uniqueEmail('target'));
      const { browser: other } = await researcher(app);
      await expectNoChange(app.lanyard.db, async () => {
        const seen = await other.get(link);
        assert.equal(seen.status, 403);
        assert.match(seen.body, /EMAIL_CHANGE_OTHER_ACCOUNT/);
        await other.get('/profile');
        const posted = await other.post(link, {});
        assert.equal(posted.status, 403);
        assert.match(posted.body, /EMAIL_CHANGE_OTHER_ACCOUNT/);
        await browser.get(link);
        assert.equal((await browser.post(link, { _csrf: 'forged' })).status, 403);
        const forged = await browser.get(`/profile/email/${'A'.repeat(43)}`);
        assert.equal(forged.status, 401);
        assert.match(forged.body, /TOKEN_INVALID/);
      });
      app.clock.advance((app.config.tokenTtl.CHANGE_EMAIL + 1) * 1000);
      try {
        await browser.get('/profile');
        const expired = await expectNoChange(app.lanyard.db, () => browser.post(link, {}));
        assert.equal(expired.status, 401);
        assert.match(expired.body, /TOKEN_EXPIRED/);
      } finally {
        app.clock.advance(-(app.config.tokenTtl.CHANGE_EMAIL + 1) * 1000);
      }
      assert.equal((await accountRow(app, account.id)).email, account.email);
    });

    test('the mail limit holds a link back and says so, the link on its way still works; the notice to the old address is never held back', async () => {
      const app = ctx();
      const { account, browser } = await researcher(app);
      // The old address has had its hourly mails already.
      for (let i = 0; i < MAIL_PER_HOUR; i++) await mailedLink(app, '/forgot', account.email);
      const to = uniqueEmail('limited');
      let link = '';
      for (let i = 0; i < MAIL_PER_HOUR; i++) link = await requestChange(app, browser, to);
      const held = await browser.post('/profile/email', { email: to });
      assert.equal(held.status, 303);
      assert.match(
        mainText((await browser.get('/profile?lang=en')).body),
        /a link is already on its way: we send at most 2 mails an hour to one address, so no new one was sent now/,
      );
      const latest = await app.lanyard.db
        .selectFrom('email_outbox')
        .select('held_reason')
        .where('to_address', '=', to)
        .orderBy('created_at', 'desc')
        .executeTakeFirstOrThrow();
      assert.equal(latest.held_reason, 'rate_limit');

      await browser.get(link);
      const done = await browser.post(link, {});
      assert.equal(done.status, 303, done.body.slice(0, 300));
      await app.mail.waitFor(account.email, (m) => /email address of your .* was changed/.test(m.subject));
      const notice = await app.lanyard.db
        .selectFrom('email_outbox')
        .select('held_reason')
        .where('to_address', '=', account.email)
        .where('kind', '=', 'email_changed')
        .executeTakeFirstOrThrow();
      assert.equal(notice.held_reason, null);
    });

    test('the notice to the old address says what changed and when, what to do if it was not them, in the account’s language, and carries no secret', async () => {
      const app = ctx();
      const { account, browser } = await researcher(app);
      await app.lanyard.db.updateTable('account').set({ locale: 'de' }).where('id', '=', account.id).execute();
      const to = uniqueEmail('moved');
      const link = await requestChange(app, browser, to);
      await browser.get(link);
      assert.equal((await browser.post(link, {})).status, 303);
      const { at } = await app.lanyard.db
        .selectFrom('audit_event')
        .select('at')
        .where('account_id', '=', account.id)
        .where('action', '=', 'email_change')
        .executeTakeFirstOrThrow();
      const when = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
      const notice = await app.mail.waitFor(account.email, (m) => /E-Mail-Adresse Ihres Kontos/.test(m.subject));
      const text = notice.text.replace(/\s+/g, ' ');
      assert.ok(text.includes(`Am ${when} wurde Ihr Konto auf die Adresse ${to} umgestellt.`), text);
      assert.match(text, /mit ihr und Ihrem Passwort können Sie sich nicht mehr anmelden\./);
      assert.match(
        text,
        /Wenn Sie das nicht waren: Melden Sie sich auf einem anderen Weg an, den Sie nutzen \(ORCID, Ihre Einrichtung\), stellen Sie in Ihrem Profil die Adresse zurück, ändern Sie Ihr Passwort/,
      );
      assert.match(text, /verständigen Sie sofort die Repository-Verwaltung/);
      // The only link signs in to the profile: nothing in the mail acts for the account by itself.
      const links = [...notice.text.matchAll(/https?:\/\/\S+/g)].map((m) => new URL(m[0]).pathname);
      assert.ok(links.length > 0 && links.every((p) => p === '/profile'), links.join(' '));
    });

    test('a password reset link sent to the old address no longer acts for the account after the change', async () => {
      const app = ctx();
      const { account, browser } = await researcher(app);
      const reset = pathOf(await mailedLink(app, '/forgot', account.email, '/forgot/'));
      const link = await requestChange(app, browser, uniqueEmail('moved'));
      await browser.get(link);
      assert.equal((await browser.post(link, {})).status, 303);
      const thief = app.browser();
      const page = await thief.get(reset);
      assert.equal(page.status, 401);
      assert.match(page.body, /TOKEN_EXPIRED/);
    });
  },
  { LANYARD_RATE_MAIL_PER_HOUR: String(MAIL_PER_HOUR) },
);
