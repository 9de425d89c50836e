import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser } from '../support/browser.js';
import { seedAccount, sessionCookie, signedInFrom } from '../support/accounts.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';
import { describeDevice } from '../../src/lib/user-agent.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

const device = signedInFrom;

const sessionId = (app: TestApp, browser: Browser) => sessionCookie(app, browser)!.split('.')[0]!;
const signedIn = async (browser: Browser) => (await browser.get('/profile')).status === 200;
/** The text of the page's main element, tags dropped and spaces collapsed. */
const mainText = (body: string) =>
  (body.match(/<main[\s\S]*<\/main>/)?.[0] ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

test('a device is named by browser and system, coarsely; Edge and Opera are not Chrome, Chrome is not Safari', () => {
  const cases: [string | null, string | null, string | null][] = [
    [FIREFOX_LINUX, 'Firefox', 'Linux'],
    [CHROME_WINDOWS, 'Chrome', 'Windows'],
    [SAFARI_IPHONE, 'Safari', 'iOS'],
    [`${CHROME_WINDOWS} Edg/131.0.0.0`, 'Edge', 'Windows'],
    [`${CHROME_WINDOWS} OPR/114.0.0.0`, 'Opera', 'Windows'],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
      'Chrome',
      'Linux',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      'Chrome',
      'Android',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      'Safari',
      'macOS',
    ],
    ['curl/8.5.0', 'curl', null],
    [null, null, null],
  ];
  for (const [ua, browser, os] of cases) assert.deepEqual(describeDevice(ua), { browser, os }, String(ua));
});

forEachBackend('devices and security activity on the account console', (ctx) => {
  const auditOf = (accountId: string, action: 'sign_out' | 'session_revoked') =>
    ctx()
      .lanyard.db.selectFrom('audit_event')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('action', '=', action)
      .execute();
  test('the devices page lists every signed-in device by browser and system, marks this one, and links from /profile', async () => {
    const account = await seedAccount(ctx().lanyard);
    const laptop = await device(ctx(), account.email, FIREFOX_LINUX);
    await device(ctx(), account.email, CHROME_WINDOWS);
    assert.match((await laptop.get('/profile')).body, /href="\/profile\/sessions"/);
    const page = await laptop.get('/profile/sessions');
    assert.equal(page.status, 200);
    const text = mainText(page.body);
    assert.match(text, /Firefox on Linux this device/);
    assert.match(text, /Chrome on Windows/);
    assert.match(text, /Signed in with Password/);
    assert.match(text, /Address 127\.0\.0\.1/);
    assert.equal((page.body.match(/data-session="/g) ?? []).length, 2);
    assert.match(page.body, /action="\/profile\/sessions\/sign-out-others"/);

    const german = await laptop.get('/profile/sessions?lang=de');
    assert.match(mainText(german.body), /Firefox unter Linux dieses Gerät/);
    assert.match(mainText(german.body), /Überall sonst abmelden/);
  });

  test('signing out another device ends its session at once, says which, and audits it', async () => {
    const account = await seedAccount(ctx().lanyard);
    const laptop = await device(ctx(), account.email, FIREFOX_LINUX);
    const phone = await device(ctx(), account.email, SAFARI_IPHONE);
    await laptop.get('/profile/sessions?lang=en');
    const done = await laptop.post(`/profile/sessions/${sessionId(ctx(), phone)}/sign-out`, {});
    assert.equal(done.status, 303);
    assert.equal(done.location, '/profile/sessions');
    const after = await laptop.get('/profile/sessions');
    assert.match(mainText(after.body), /Safari on iOS is signed out of your account/);
    assert.equal((after.body.match(/data-session="/g) ?? []).length, 1);
    assert.equal(await signedIn(phone), false, 'the phone is still signed in');
    assert.equal(await signedIn(laptop), true);
    const audit = await ctx()
      .lanyard.db.selectFrom('audit_event')
      .selectAll()
      .where('account_id', '=', account.id)
      .where('action', '=', 'session_revoked')
      .execute();
    assert.equal(audit.length, 1);
    // Who did it is recorded, as for every other event a person or an operator causes.
    assert.equal(audit[0]!.actor_account_id, account.id);
  });

  test('"sign out everywhere else" ends every other session and keeps this one; the count is said in words', async () => {
    const account = await seedAccount(ctx().lanyard);
    const laptop = await device(ctx(), account.email, FIREFOX_LINUX);
    const others = [
      await device(ctx(), account.email, CHROME_WINDOWS),
      await device(ctx(), account.email, SAFARI_IPHONE),
    ];
    await laptop.get('/profile/sessions?lang=de');
    const done = await laptop.post('/profile/sessions/sign-out-others', {});
    assert.equal(done.status, 303);
    const after = await laptop.get('/profile/sessions');
    assert.match(mainText(after.body), /2 andere Geräte sind abgemeldet\./);
    assert.match(mainText(after.body), /Kein anderes Gerät ist bei Ihrem Konto angemeldet\./);
    for (const other of others) assert.equal(await signedIn(other), false);
    assert.equal(await signedIn(laptop), true);
    const audit = await auditOf(account.id, 'session_revoked');
    assert.deepEqual(
      audit.map((e) => e.actor_account_id),
      [account.id],
    );
  });

  test('signing out this device from the list signs it out and lands on the sign-in page', async () => {
    const account = await seedAccount(ctx().lanyard);
    const laptop = await device(ctx(), account.email, FIREFOX_LINUX);
    const id = sessionId(ctx(), laptop);
    await laptop.get('/profile/sessions');
    const done = await laptop.post(`/profile/sessions/${id}/sign-out`, {});
    assert.equal(done.status, 303);
    assert.equal(done.location, '/login');
    const row = await ctx().lanyard.db.selectFrom('session').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(row.revoked_at);
    assert.equal(await signedIn(laptop), false);
    const audit = await auditOf(account.id, 'sign_out');
    assert.deepEqual(
      audit.map((e) => e.actor_account_id),
      [account.id],
    );
  });

  test("attack: another account's session id, an unknown one, or no CSRF token → refused, nothing changed", async () => {
    const mallory = await seedAccount(ctx().lanyard);
    const victim = await seedAccount(ctx().lanyard);
    const attacker = await device(ctx(), mallory.email, FIREFOX_LINUX);
    const target = await device(ctx(), victim.email, CHROME_WINDOWS);
    await attacker.get('/profile/sessions');
    await expectNoChange(ctx().lanyard.db, async () => {
      const foreign = await attacker.post(`/profile/sessions/${sessionId(ctx(), target)}/sign-out`, {});
      assert.equal(foreign.status, 404);
      assert.match(foreign.body, /NOT_FOUND/);
      const unknown = await attacker.post('/profile/sessions/not-a-session/sign-out', {});
      assert.equal(unknown.status, 404);
      const noCsrf = await attacker.post('/profile/sessions/sign-out-others', { _csrf: '' });
      assert.equal(noCsrf.status, 403);
      const anonymous = ctx().browser();
      await anonymous.get('/login');
      const signedOut = await anonymous.post(`/profile/sessions/${sessionId(ctx(), target)}/sign-out`, {});
      assert.ok([401, 403].includes(signedOut.status), `anonymous sign-out answered ${signedOut.status}`);
    });
    assert.equal(await signedIn(target), true, "the victim's device was signed out");
  });

  test('the pages need a sign-in and come back to themselves after it', async () => {
    for (const path of ['/profile/sessions', '/profile/activity']) {
      const page = await ctx().browser().get(path);
      assert.equal(page.status, 303);
      assert.equal(page.location, `/login?returnTo=${encodeURIComponent(path)}`);
    }
  });

  test('last active is noted to a few minutes: not rewritten on every request, updated after five minutes', async () => {
    const account = await seedAccount(ctx().lanyard);
    const laptop = await device(ctx(), account.email, FIREFOX_LINUX);
    const id = sessionId(ctx(), laptop);
    const seen = async () =>
      (
        await ctx()
          .lanyard.db.selectFrom('session')
          .select('last_seen_at')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).last_seen_at;
    const first = await seen();
    assert.ok(first, 'a new session is seen when it starts');
    await laptop.get('/profile');
    assert.deepEqual(await seen(), first, 'written again within five minutes');
    ctx().clock.advance(6 * 60_000);
    try {
      await laptop.get('/profile');
      assert.ok((await seen())!.getTime() >= first.getTime() + 6 * 60_000, 'not noted after six minutes');
    } finally {
      ctx().clock.advance(-6 * 60_000);
    }
  });

  test('security activity lists this account’s events, newest first, in the page’s language, and nobody else’s', async () => {
    const account = await seedAccount(ctx().lanyard);
    const other = await seedAccount(ctx().lanyard);
    const laptop = await device(ctx(), account.email, FIREFOX_LINUX);
    const phone = await device(ctx(), account.email, SAFARI_IPHONE);
    await device(ctx(), other.email, CHROME_WINDOWS);
    await laptop.get('/profile/sessions');
    await laptop.post(`/profile/sessions/${sessionId(ctx(), phone)}/sign-out`, {});

    const page = await laptop.get('/profile/activity?lang=en');
    assert.equal(page.status, 200);
    const actions = [...page.body.matchAll(/<tr data-action="([a-z_]+)"/g)].map((m) => m[1]);
    assert.deepEqual(actions, ['session_revoked', 'sign_in', 'sign_in']);
    assert.match(mainText(page.body), /Device signed out/);
    assert.match(mainText(page.body), /Signed in Password 127\.0\.0\.1/);
    const german = mainText((await laptop.get('/profile/activity?lang=de')).body);
    assert.match(german, /Sicherheitsereignisse/);
    assert.match(german, /Gerät abgemeldet/);
  });
});
