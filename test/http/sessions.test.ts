import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from '../support/browser.js';
import { PASSWORD, seedAccount, sessionCookie, signedInBrowser } from '../support/accounts.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';

/** The Set-Cookie headers of a response, by cookie name, with their attributes lower-cased. */
function setCookies(page: Page): Map<string, string[]> {
  return new Map(
    [page.headers['set-cookie'] ?? []].flat().map((line) => {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      return [pair!.split('=')[0]!, attributes.map((a) => a.toLowerCase())];
    }),
  );
}

async function signInPage(app: TestApp, email: string): Promise<Page> {
  const browser = app.browser();
  await browser.get('/login');
  return browser.post('/login', { email, password: PASSWORD });
}

const sessionRow = (app: TestApp, cookie: string) =>
  app.lanyard.db.selectFrom('session').selectAll().where('id', '=', cookie.split('.')[0]!).executeTakeFirstOrThrow();

forEachBackend('sessions over http (development)', (ctx) => {
  test('cookies are HttpOnly, SameSite=Lax, Path=/, without the __Host- prefix or Secure', async () => {
    const account = await seedAccount(ctx().lanyard);
    const cookies = setCookies(await signInPage(ctx(), account.email));
    const attributes = cookies.get('lanyard-session');
    assert.ok(attributes, `no session cookie among ${[...cookies.keys()].join(', ')}`);
    for (const a of ['httponly', 'samesite=lax', 'path=/'])
      assert.ok(attributes.includes(a), `session cookie lacks ${a}`);
    assert.ok(!attributes.includes('secure'));
    assert.ok(!attributes.some((a) => a.startsWith('domain=')));
  });

  test('signing in again rotates the session: new cookie, the old one revoked server-side', async () => {
    const account = await seedAccount(ctx().lanyard);
    const browser = await signedInBrowser(ctx(), account.email);
    const first = sessionCookie(ctx(), browser)!;
    await signedInBrowser(ctx(), account.email, undefined, browser);
    const second = sessionCookie(ctx(), browser)!;
    assert.notEqual(second, first);
    assert.ok((await sessionRow(ctx(), first)).revoked_at, 'the old session was not revoked');

    const replay = ctx().browser();
    replay.setCookie('lanyard-session', first);
    assert.equal((await replay.get('/profile')).status, 302);
  });

  test('a session id planted before sign-in is not the one after it (fixation)', async () => {
    const account = await seedAccount(ctx().lanyard);
    const browser = ctx().browser();
    browser.setCookie('lanyard-session', 'planted.by-an-attacker');
    await signedInBrowser(ctx(), account.email, undefined, browser);
    assert.notEqual(sessionCookie(ctx(), browser), 'planted.by-an-attacker');
  });

  test('after sign-out the old session id stops working, even if replayed', async () => {
    const account = await seedAccount(ctx().lanyard);
    const browser = await signedInBrowser(ctx(), account.email);
    const cookie = sessionCookie(ctx(), browser)!;
    await browser.get('/profile');
    const out = await browser.post('/logout', {});
    assert.equal(out.status, 303);
    assert.equal(sessionCookie(ctx(), browser), undefined, 'the cookie was not cleared');
    assert.ok((await sessionRow(ctx(), cookie)).revoked_at);

    const replay = ctx().browser();
    replay.setCookie('lanyard-session', cookie);
    const page = await replay.get('/profile');
    assert.equal(page.status, 302);
    assert.match(page.location ?? '', /^\/login/);
  });
});

forEachBackend(
  'sessions over https',
  (ctx) => {
    test('cookies are __Host-prefixed and Secure, HttpOnly, SameSite=Lax, Path=/, no Domain', async () => {
      const account = await seedAccount(ctx().lanyard);
      const browser = ctx().browser();
      const csrf = setCookies(await browser.get('/login')).get('__Host-lanyard-csrf');
      const session = setCookies(await browser.post('/login', { email: account.email, password: PASSWORD })).get(
        '__Host-lanyard-session',
      );
      for (const attributes of [csrf, session]) {
        assert.ok(attributes, 'a __Host- cookie is missing');
        for (const a of ['secure', 'httponly', 'samesite=lax', 'path=/'])
          assert.ok(attributes.includes(a), `cookie lacks ${a}`);
        assert.ok(!attributes.some((a) => a.startsWith('domain=')));
      }
      assert.equal((await browser.get('/profile')).status, 200);
    });
  },
  { LANYARD_PUBLIC_URL: 'https://lanyard.test' },
);
