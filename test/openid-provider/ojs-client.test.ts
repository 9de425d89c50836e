import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { addOidcClient } from '../../src/stores/oidc-clients.js';
import { uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { passwordSignIn } from '../support/op-client.js';
import { createPasswordAccount } from '../support/orcid.js';
import type { TestApp } from '../support/test-app.js';

const REDIRECT = 'https://journal.example.org/index.php/jrnl/openid/doAuthentication?provider=custom';
const AFTER_LOGOUT = 'https://journal.example.org/index.php/jrnl/index';

/**
 * The way OJS's openid plugin (provider "custom", its configuration URL pointing at discovery)
 * uses an OpenID provider (docs/integrations/ojs.md): `openid profile email` with no state, nonce
 * or PKCE; the code redeemed with client_secret_post; the ID token verified as RS256 against the
 * JWKS (the plugin takes the RSA keys only); claims missing from it read from userinfo; and
 * sign-out through the end-session endpoint with client_id, post_logout_redirect_uri and the
 * ID token as id_token_hint.
 */
for (const backend of backends()) {
  describe(`An OJS-like client [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend);
    });
    after(async () => app?.close());

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('RS256 ID token verified against the JWKS, userinfo for the rest, then id_token_hint logout back to the journal', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('ojs'), {
          givenName: 'Ada',
          familyName: 'Journal',
        });
        const { client, secret } = await addOidcClient(
          app.lanyard.db,
          {
            name: 'OJS',
            redirectUris: [REDIRECT],
            postLogoutRedirectUris: [AFTER_LOGOUT],
            auth: 'client_secret_post',
          },
          new Date(),
        );
        const discovery = (await (await fetch(`${app.url}/oidc/.well-known/openid-configuration`)).json()) as Record<
          string,
          string
        >;
        const b = new Browser(app.app, 'http://browser-origin.invalid');
        const authorize = new URL(
          `${discovery.authorization_endpoint}?client_id=${client.client_id}&response_type=code&scope=openid profile email&redirect_uri=${encodeURIComponent(REDIRECT)}`,
        );
        const callback = await passwordSignIn(app, b, authorize, account.email, REDIRECT.split('?')[0]!);
        assert.equal(callback.searchParams.get('provider'), 'custom', 'the registered query stays');
        const token = await fetch(discovery.token_endpoint!, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({
            code: callback.searchParams.get('code')!,
            grant_type: 'authorization_code',
            client_id: client.client_id,
            client_secret: secret!,
            redirect_uri: REDIRECT,
          }),
        });
        assert.equal(token.status, 200);
        const tokens = (await token.json()) as { access_token: string; id_token: string };
        assert.equal(decodeProtectedHeader(tokens.id_token).alg, 'RS256');
        const jwks = (await (await fetch(discovery.jwks_uri!)).json()) as { keys: { kty: string }[] };
        assert.ok(
          jwks.keys.some((k) => k.kty === 'RSA'),
          'an RSA key for the plugin',
        );
        const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(discovery.jwks_uri!)), {
          algorithms: ['RS256'],
          issuer: `${app.url}/oidc`,
          audience: client.client_id,
        });
        assert.equal(payload.sub, account.id);
        // The ID token carries no email beside an access token: the plugin merges userinfo.
        const info = (await (
          await fetch(discovery.userinfo_endpoint!, { headers: { authorization: `Bearer ${tokens.access_token}` } })
        ).json()) as Record<string, unknown>;
        assert.equal(info.email, account.email);
        assert.equal(info.given_name, 'Ada');
        assert.equal(info.family_name, 'Journal');

        // What the plugin sends when its introspection does not call the ID token active (Lanyard
        // introspects no ID token): client_id and post_logout_redirect_uri alone are accepted too.
        const plain = new URL(discovery.end_session_endpoint!);
        plain.search = new URLSearchParams({
          client_id: client.client_id,
          post_logout_redirect_uri: AFTER_LOGOUT,
        }).toString();
        const plainPage = await b.get(plain.href);
        assert.equal(plainPage.status, 200);
        assert.match(plainPage.body, /OJS signed you out/);

        const logout = new URL(discovery.end_session_endpoint!);
        logout.search = new URLSearchParams({
          client_id: client.client_id,
          post_logout_redirect_uri: AFTER_LOGOUT,
          id_token_hint: tokens.id_token,
        }).toString();
        const page = await b.get(logout.href);
        assert.equal(page.status, 200);
        assert.match(page.body, /OJS signed you out/);
        const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1];
        const confirmed = await b.post(`${app.url}/oidc/session/end/confirm`, { xsrf: xsrf!, logout: 'yes' });
        assert.equal(confirmed.status, 303);
        assert.equal(confirmed.location, AFTER_LOGOUT);
        assert.equal((await b.get(`${app.url}/profile`)).status, 302, 'signed out of Lanyard as well');
      });

      test('attack: a post_logout_redirect_uri the journal did not register is refused and ends nothing', async () => {
        const { client } = await addOidcClient(
          app.lanyard.db,
          { name: 'OJS', redirectUris: [REDIRECT], postLogoutRedirectUris: [AFTER_LOGOUT], auth: 'client_secret_post' },
          new Date(),
        );
        const logout = new URL(`${app.url}/oidc/session/end`);
        logout.search = new URLSearchParams({
          client_id: client.client_id,
          post_logout_redirect_uri: 'https://evil.example/index.php/jrnl/index',
        }).toString();
        const page = await new Browser(app.app, 'http://browser-origin.invalid').get(logout.href);
        assert.equal(page.status, 400);
        assert.equal(page.location, undefined);
      });
    });
  });
}
