import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from '../support/browser.js';
import { createPasswordAccount } from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';
import { ApiClient, orcidRegistration } from './support/api-client.js';

let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now().toString(36)}@nostore.example`;

const assertNoStore = (page: Page, what: string) =>
  assert.equal(page.headers['cache-control'], 'no-store', `${what} (${page.status}) must not be stored by any cache`);

/**
 * docs/security.md "Personal answers are never cached": a shared or browser cache keeping an answer
 * with an account, a registration's email or iD would hand it to the next person on that machine
 * or behind that proxy.
 */
forEachBackend(
  'answers with personal data carry Cache-Control: no-store',
  (ctx) => {
    test('authn/status signed in, the own EPerson, findByToken, create and merge answers, and refusals', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, unique('reader'));
      const c = await ApiClient.for(app);
      assertNoStore(await c.status(), 'GET /api/authn/status (anonymous)');
      const login = await c.login(account.email);
      assert.equal(login.status, 200);
      assertNoStore(login, 'POST /api/authn/login');
      const status = await c.status();
      assert.equal(status.json<{ authenticated: boolean }>().authenticated, true);
      assertNoStore(status, 'GET /api/authn/status (signed in)');
      const own = await c.get(`/api/eperson/epersons/${account.id}`);
      assert.equal(own.status, 200);
      assertNoStore(own, 'GET /api/eperson/epersons/{uuid}');
      assertNoStore(await c.get(`/api/eperson/epersons/${crypto.randomUUID()}`), 'a refused eperson read');

      const other = await ApiClient.for(app);
      const { token } = await orcidRegistration(other, {
        emails: [{ email: unique('reg'), visibility: 'public', verified: true }],
      });
      const found = await other.findByToken(token);
      assert.equal(found.status, 200);
      assertNoStore(found, 'GET /api/eperson/registrations/search/findByToken');
      const created = await other.post(`/api/eperson/epersons?token=${token}`, { json: {} });
      assert.equal(created.status, 201, created.body);
      assertNoStore(created, 'POST /api/eperson/epersons?token=');
      assertNoStore(await other.findByToken(token), 'findByToken of a used token');
    });

    test('an API path no route serves (404) and a method a path does not have (405) are no-store too', async () => {
      // A plain client: the API's own test client refuses paths /api/openapi.json does not list.
      const b = ctx().browser();
      const json = { accept: 'application/json' };
      const missing = await b.get('/api/eperson/no-such-collection', json);
      assert.equal(missing.status, 404);
      assertNoStore(missing, 'GET of an unknown API path');
      const wrong = await b.request('DELETE', '/api/authn/status', undefined, json);
      assert.equal(wrong.status, 405);
      assertNoStore(wrong, 'DELETE /api/authn/status');
    });

    test('the pages that show an account or a registration are no-store as well', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, unique('pages'));
      const browser = app.browser();
      await browser.get('/login');
      await browser.post('/login', { email: account.email, password: 'correct horse battery' });
      const profile = await browser.get('/profile');
      assert.equal(profile.status, 200);
      assertNoStore(profile, '/profile');
      const c = await ApiClient.for(app);
      const { token } = await orcidRegistration(c);
      const page = await c.browser.get(`/external-login/${token}`);
      assert.equal(page.status, 200);
      assertNoStore(page, '/external-login/{token}');
    });
  },
  withOrcid,
);
