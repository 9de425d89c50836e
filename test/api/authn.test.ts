import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookieNames } from '../../src/http/cookies.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { createPasswordAccount } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { PUBLIC_URL, withOrcid } from '../support/test-app.js';
import type { Page } from '../support/browser.js';
import { ApiClient, orcidRegistration } from './support/api-client.js';

let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now().toString(36)}@authn.example`;

/** /api/authn: DSpace's login/logout/status with Lanyard's session cookie and DSpace's CSRF header. */
forEachBackend(
  'authn: login, logout, status, CSRF',
  (ctx) => {
    const client = () => ApiClient.for(ctx());
    const form = (user: string, password: string) => ({
      body: new URLSearchParams({ user, password }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    test('status hands out the CSRF token (DSPACE-XSRF-TOKEN) and the sign-in methods (WWW-Authenticate, ORCID location)', async () => {
      const c = await client();
      const res = await c.status();
      assert.equal(res.json().authenticated, false);
      assert.match(String(res.headers['dspace-xsrf-token']), /^[A-Za-z0-9_-]{43}$/);
      assert.equal(
        res.headers['www-authenticate'],
        `password realm="Lanyard REST API", orcid realm="Lanyard REST API", location="${PUBLIC_URL}/api/authn/orcid/start"`,
      );
    });

    test('login (form, DSpace’s `user`/`password`) → 200 with the account embedded and a session cookie; JSON works too', async () => {
      const account = await createPasswordAccount(ctx(), unique('login'));
      const c = await client();
      const res = await c.login(account.email);
      assert.equal(res.status, 200);
      assert.deepEqual([res.json().authenticated, res.json()._embedded.eperson.id], [true, account.id]);
      assert.ok(c.browser.cookie(cookieNames(ctx().config).session));
      assert.equal((await c.status()).json()._links.eperson.href, `${PUBLIC_URL}/api/eperson/epersons/${account.id}`);
      const json = await client();
      await json.status();
      assert.equal(
        (await json.post('/api/authn/login', { json: { user: account.email, password: 'correct horse battery' } }))
          .status,
        200,
      );
    });

    test('login with a wrong password or an unknown user → 401 INVALID_CREDENTIALS, the same answer', async () => {
      const account = await createPasswordAccount(ctx(), unique('wrong'));
      const c = await client();
      await c.status();
      assertRefused(
        await c.post('/api/authn/login', form(account.email, 'not the password')),
        401,
        'INVALID_CREDENTIALS',
      );
      assertRefused(
        await c.post('/api/authn/login', form(unique('nobody'), 'not the password')),
        401,
        'INVALID_CREDENTIALS',
      );
    });

    test('login with user or password in the query string → 400 CREDENTIALS_IN_URL, no session, nothing changed', async () => {
      const account = await createPasswordAccount(ctx(), unique('query'));
      const c = await client();
      await c.status();
      const query = new URLSearchParams({ user: account.email, password: 'correct horse battery' }).toString();
      const unchanged = <T>(action: () => Promise<T>) => expectNoChange(ctx().lanyard.db, action);
      for (const [url, opts] of [
        [`/api/authn/login?${query}`, {}],
        [`/api/authn/login?${query}`, { json: {} }],
        // Even beside a good form: the password has been in a URL, so it is not used.
        [`/api/authn/login?password=x`, form(account.email, 'correct horse battery')],
        [`/api/authn/login?user=${encodeURIComponent(account.email)}`, form(account.email, 'correct horse battery')],
        // Refused before the CSRF check: the client learns what to fix.
        [`/api/authn/login?${query}`, { csrf: false }],
      ] as const) {
        const page = await unchanged(() => c.post(url, opts));
        assertRefused(page, 400, 'CREDENTIALS_IN_URL');
        assert.equal(page.headers.authorization, undefined);
        assert.equal(c.browser.cookie(cookieNames(ctx().config).session), undefined);
      }
    });

    test('every 401 names the sign-in methods in WWW-Authenticate, a failed login’s as DSpace’s StatelessLoginFilter does', async () => {
      const account = await createPasswordAccount(ctx(), unique('challenge'));
      const c = await client();
      const methods = (await c.status()).headers['www-authenticate'];
      const refusals: [string, () => Promise<Page>][] = [
        ['wrong password', () => c.post('/api/authn/login', form(account.email, 'not the password'))],
        ['login {} without a session', () => c.post('/api/authn/login', { json: {} })],
        ['an account, not signed in', () => c.get(`/api/eperson/epersons/${account.id}`)],
        [
          'a password change, not signed in',
          () =>
            c.request('PATCH', `/api/eperson/epersons/${account.id}`, {
              json: [
                { op: 'add', path: '/password', value: { new_password: 'a new long password', current_password: 'x' } },
              ],
            }),
        ],
      ];
      for (const [name, answer] of refusals) {
        const page = await answer();
        assert.equal(page.status, 401, `${name}: ${page.body}`);
        // RFC 9110 §15.5.2: a 401 carries the challenge; DSpace's UI reads the methods of a failed login from it.
        assert.equal(page.headers['www-authenticate'], methods, name);
      }
    });

    test('login without X-XSRF-TOKEN, or with another browser’s → 403 CSRF_FAILED (login CSRF), no session', async () => {
      const account = await createPasswordAccount(ctx(), unique('csrf-login'));
      const c = await client();
      assertRefused(await c.post('/api/authn/login', form(account.email, 'correct horse battery')), 403, 'CSRF_FAILED');
      const other = await client();
      await other.status();
      await c.status();
      assertRefused(
        await c.post('/api/authn/login', {
          ...form(account.email, 'correct horse battery'),
          headers: { ...form('', '').headers, 'x-xsrf-token': other.xsrf! },
        }),
        403,
        'CSRF_FAILED',
      );
      assert.equal(c.browser.cookie(cookieNames(ctx().config).session), undefined);
    });

    test('login with an unknown field or a wrong type → 400 VALIDATION_FAILED', async () => {
      const c = await client();
      await c.status();
      assertRefused(
        await c.post('/api/authn/login', { json: { user: 'a@b.example', password: 'x', admin: true } }),
        400,
        'VALIDATION_FAILED',
      );
      assertRefused(await c.post('/api/authn/login', { json: { user: 5, password: 'x' } }), 400, 'VALIDATION_FAILED');
    });

    test('logout → 204; the session is revoked on the server; signed in, it needs the CSRF header', async () => {
      const account = await createPasswordAccount(ctx(), unique('logout'));
      const c = await client();
      await c.login(account.email);
      const stolen = c.browser.cookie(cookieNames(ctx().config).session)!;
      assertRefused(await c.post('/api/authn/logout', { csrf: false }), 403, 'CSRF_FAILED');
      assert.equal((await c.post('/api/authn/logout')).status, 204);
      assert.equal((await c.status()).json().authenticated, false);
      const replay = await client();
      replay.browser.setCookie(cookieNames(ctx().config).session, stolen);
      assert.equal((await replay.status()).json().authenticated, false, 'the old cookie is dead server-side');
    });

    test('a state-changing call authenticated by the session cookie without X-XSRF-TOKEN → 403 CSRF_FAILED, nothing changes', async () => {
      const account = await createPasswordAccount(ctx(), unique('csrf-merge'));
      const c = await client();
      const { token } = await orcidRegistration(c);
      await c.login(account.email);
      const res = await expectNoChange(ctx().lanyard.db, () =>
        c.post(`/api/eperson/epersons/${account.id}?token=${token}`, { csrf: false }),
      );
      assertRefused(res, 403, 'CSRF_FAILED');
      assert.equal(
        (await c.post(`/api/eperson/epersons/${account.id}?token=${token}`)).status,
        201,
        'with the header it goes through',
      );
    });
  },
  withOrcid,
);
