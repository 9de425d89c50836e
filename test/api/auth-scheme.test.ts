import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookieNames } from '../../src/http/cookies.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { createPasswordAccount } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { PUBLIC_URL, withOrcid } from '../support/test-app.js';
import { ApiClient } from './support/api-client.js';

let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now().toString(36)}@scheme.example`;

const restChallenge =
  `Bearer realm="Lanyard REST API", password realm="Lanyard REST API", ` +
  `orcid realm="Lanyard REST API", location="${PUBLIC_URL}/api/authn/orcid/start"`;

/**
 * The API takes one credential in `Authorization`: a Bearer token (DSpace's, or an access token on
 * the ORCID API). Another scheme (DPoP, Basic, …) is a credential the API cannot check: it is
 * refused as such, not taken for "nothing sent", and nothing happens.
 */
forEachBackend(
  'API: an Authorization scheme other than Bearer → 401 AUTH_SCHEME_UNSUPPORTED',
  (ctx) => {
    const unchanged = <T>(action: () => Promise<T>) => expectNoChange(ctx().lanyard.db, action);

    test('DPoP and Basic on the REST API: 401 with the accepted schemes in WWW-Authenticate', async () => {
      const c = await ApiClient.for(ctx());
      await c.status();
      for (const authorization of ['DPoP eyJhbGciOiJFUzI1NiJ9.e30.sig', 'Basic dXNlcjpwYXNz', 'Negotiate', 'DPoP'])
        for (const [method, url] of [
          ['GET', '/api/authn/status'],
          ['GET', '/api'],
          ['POST', '/api/authn/logout'],
        ] as const) {
          const page = await unchanged(() => c.request(method, url, { headers: { authorization } }));
          assertRefused(page, 401, 'AUTH_SCHEME_UNSUPPORTED');
          assert.equal(page.headers['www-authenticate'], restChallenge, `${authorization} ${method} ${url}`);
        }
    });

    test('a password sign-in sent with another scheme is refused: no session, no token, nothing counted', async () => {
      const account = await createPasswordAccount(ctx(), unique('basic'));
      const c = await ApiClient.for(ctx());
      await c.status();
      const page = await unchanged(() =>
        c.post('/api/authn/login', {
          body: new URLSearchParams({ user: account.email, password: 'correct horse battery' }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic dXNlcjpwYXNz' },
        }),
      );
      assertRefused(page, 401, 'AUTH_SCHEME_UNSUPPORTED');
      assert.equal(page.headers.authorization, undefined);
      assert.equal(c.browser.cookie(cookieNames(ctx().config).session), undefined);
    });

    test('signed in, a call with another scheme changes nothing: logout refused, the session stays', async () => {
      const account = await createPasswordAccount(ctx(), unique('session'));
      const c = await ApiClient.for(ctx());
      await c.status();
      assert.equal((await c.login(account.email)).status, 200);
      assertRefused(
        await unchanged(() => c.post('/api/authn/logout', { headers: { authorization: 'DPoP x' } })),
        401,
        'AUTH_SCHEME_UNSUPPORTED',
      );
      // On the ORCID API a DPoP credential is read, well-formed or not, and the cookie beside it is not used.
      for (const authorization of ['DPoP x', 'DPoP a b', 'dpop'])
        assertRefused(
          await unchanged(() => c.get('/api/orcid/works', { headers: { authorization } })),
          401,
          'ACCESS_TOKEN_INVALID',
        );
      assert.equal((await c.status()).json().authenticated, true);
    });

    test('the ORCID API: 401 with its own challenge, naming Bearer and DPoP; a DPoP token is read there and nowhere else', async () => {
      const c = await ApiClient.for(ctx());
      const challenge = 'Bearer realm="Lanyard ORCID API", scope="orcid.works", DPoP algs="ES256 Ed25519 EdDSA"';
      const page = await unchanged(() =>
        c.get('/api/orcid/works', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
      );
      assertRefused(page, 401, 'AUTH_SCHEME_UNSUPPORTED');
      assert.equal(page.headers['www-authenticate'], challenge);
      assert.equal((await c.get('/api/orcid/works')).headers['www-authenticate'], challenge);
      // The ORCID API takes tokens bound to a key (test/orcid/works-api.test.ts): this one is no token of Lanyard's.
      const bound = await unchanged(() =>
        c.get('/api/orcid/works', { headers: { authorization: 'DPoP abc.def.ghi' } }),
      );
      assertRefused(bound, 401, 'ACCESS_TOKEN_INVALID');
      assert.match(String(bound.headers['www-authenticate']), /^DPoP error="invalid_token"/);
      assertRefused(
        await unchanged(() => c.get('/api/authn/status', { headers: { authorization: 'DPoP abc.def.ghi' } })),
        401,
        'AUTH_SCHEME_UNSUPPORTED',
      );
    });

    test('Bearer and no credential answer as before; the pages do not read Authorization', async () => {
      const c = await ApiClient.for(ctx());
      for (const authorization of ['Bearer not-a-token', 'bearer x', '', '  '])
        assert.equal((await c.get('/api/authn/status', { headers: { authorization } })).json().authenticated, false);
      assertRefused(await c.get('/api/orcid/works', { headers: { authorization: '' } }), 401, 'AUTH_REQUIRED');
      const page = await ctx().browser().get('/login', { authorization: 'Basic dXNlcjpwYXNz' });
      assert.equal(page.status, 200);
    });
  },
  withOrcid,
);
