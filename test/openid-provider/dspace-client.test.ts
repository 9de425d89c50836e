import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addOidcClient } from '../../src/stores/oidc-clients.js';
import { PASSWORD, uniqueEmail } from '../support/accounts.js';
import { Browser, type Page } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { createPasswordAccount } from '../support/orcid.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

const REDIRECT = 'http://127.0.0.1:9/server/api/authn/oidc';

/**
 * The way DSpace's OIDC authentication plugin uses an OpenID provider, replayed over plain HTTP
 * (docs/integrations/dspace.md): an authorization request with no state, nonce or PKCE; the code
 * redeemed with client_secret_post; then userinfo only (the ID token is never read), where the
 * `email` claim alone decides which DSpace account signs in.
 */
for (const backend of backends()) {
  describe(`A DSpace-like client [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend, withOrcid);
    });
    after(async () => app?.close());

    async function dspaceSignIn(email: string) {
      const { client, secret } = await addOidcClient(
        app.lanyard.db,
        { name: 'DSpace', redirectUris: [REDIRECT], auth: 'client_secret_post' },
        new Date(),
      );
      const authorize = new URL(`${app.url}/oidc/auth`);
      authorize.search = new URLSearchParams({
        client_id: client.client_id,
        response_type: 'code',
        scope: 'openid email profile',
        redirect_uri: REDIRECT,
      }).toString();
      const b = new Browser(app.app, 'http://browser-origin.invalid');
      const login = await b.follow(await b.get(authorize.href));
      assert.equal(new URL(login.url).pathname, '/login');
      const returnTo = new URL(login.url).searchParams.get('returnTo')!;
      let page: Page = await b.post(`${app.url}/login`, { email, password: PASSWORD, returnTo });
      let callback: URL | undefined;
      for (let i = 0; i < 10 && !callback; i++) {
        const refresh = page.headers.refresh;
        const next = page.location ?? (typeof refresh === 'string' ? refresh.replace(/^0;url=/, '') : undefined);
        assert.ok(next, `stuck at ${page.url} (${page.status})`);
        const url = new URL(next, page.url);
        if (url.href.startsWith(REDIRECT)) callback = url;
        else page = await b.get(url.href);
      }
      assert.ok(callback);
      assert.equal(callback.searchParams.get('state'), null);
      const code = callback.searchParams.get('code');
      assert.ok(code, callback.href);

      const token = await fetch(`${app.url}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT,
          client_id: client.client_id,
          client_secret: secret!,
        }),
      });
      assert.equal(token.status, 200);
      const tokens = (await token.json()) as { access_token: string; token_type: string };
      assert.equal(tokens.token_type, 'Bearer');
      const info = await fetch(`${app.url}/oidc/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(info.status, 200);
      return { info: (await info.json()) as Record<string, unknown>, client, secret: secret!, code };
    }

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('no state, nonce or PKCE; client_secret_post; userinfo carries the verified email and the names DSpace maps', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('dspace'), {
          givenName: 'Dora',
          familyName: 'Space',
        });
        const { info } = await dspaceSignIn(account.email);
        assert.equal(info.sub, account.id);
        assert.equal(info.email, account.email);
        assert.equal(info.email_verified, true);
        assert.equal(info.given_name, 'Dora');
        assert.equal(info.family_name, 'Space');
      });

      test('attack: an unverified address never reaches DSpace, which would match an account by it', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('dspace-unverified'), { verified: false });
        const { info } = await dspaceSignIn(account.email);
        assert.equal(info.sub, account.id);
        assert.equal(info.email, undefined);
      });

      test('attack: a replayed code or a wrong secret is refused', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('dspace-replay'));
        const { client, secret, code } = await dspaceSignIn(account.email);
        const replay = await fetch(`${app.url}/oidc/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            redirect_uri: REDIRECT,
            client_id: client.client_id,
            client_secret: secret,
          }),
        });
        assert.equal(replay.status, 400);
        assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');
        const wrongSecret = await fetch(`${app.url}/oidc/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            redirect_uri: REDIRECT,
            client_id: client.client_id,
            client_secret: `${secret}x`,
          }),
        });
        assert.equal(wrongSecret.status, 401);
        assert.equal(((await wrongSecret.json()) as { error: string }).error, 'invalid_client');
      });
    });
  });
}
