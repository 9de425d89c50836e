import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { authorizationRequest, passwordSignIn, registerRelyingParty } from '../support/op-client.js';
import { createPasswordAccount } from '../support/orcid.js';
import type { TestApp } from '../support/test-app.js';

const REDIRECT = 'https://dataverse.example.org/oauth2/callback.xhtml';

/**
 * The way Dataverse's OIDC provider (`factoryAlias: oidc`, `pkceEnabled: true`, `pkceMethod: S256`)
 * uses an OpenID provider (docs/integrations/dataverse.md): discovery from the issuer, `openid
 * email profile` with state, nonce and an S256 challenge, the code redeemed with
 * client_secret_basic and the verifier, the ID token validated, then userinfo for the email and
 * names. Registered with `--pkce required`, so a request without PKCE gets no code.
 */
for (const backend of backends()) {
  describe(`A Dataverse-like client [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend);
    });
    after(async () => app?.close());

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('client_secret_basic with PKCE: ID token and userinfo; the code needs its verifier', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('dataverse'), {
          givenName: 'Mercè',
          familyName: 'Crosas',
        });
        const rp = await registerRelyingParty(app, {
          redirect: REDIRECT,
          auth: 'client_secret_basic',
          pkce: 'required',
        });
        const req = await authorizationRequest(rp, { scope: 'openid email profile' });
        const browser = () => new Browser(app.app, 'http://browser-origin.invalid');
        const callback = await passwordSignIn(app, browser(), req.url, account.email, REDIRECT);
        // A stolen code without the verifier is refused, and the code is then spent.
        await assert.rejects(
          oidc.authorizationCodeGrant(rp.config, callback, {
            pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
            expectedState: req.state,
            expectedNonce: req.nonce,
          }),
          { error: 'invalid_grant' },
        );
        const again = await authorizationRequest(rp, { scope: 'openid email profile' });
        const second = await passwordSignIn(app, browser(), again.url, account.email, REDIRECT);
        const tokens = await oidc.authorizationCodeGrant(rp.config, second, {
          pkceCodeVerifier: again.verifier,
          expectedState: again.state,
          expectedNonce: again.nonce,
          idTokenExpected: true,
        });
        assert.equal(tokens.claims()!.sub, account.id);
        const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, account.id);
        assert.equal(info.email, account.email);
        assert.equal(info.given_name, 'Mercè');
        assert.equal(info.family_name, 'Crosas');
      });

      test('attack: without a code_challenge the request gets no code (PKCE required)', async () => {
        const rp = await registerRelyingParty(app, { redirect: REDIRECT, pkce: 'required' });
        const url = oidc.buildAuthorizationUrl(rp.config, {
          redirect_uri: REDIRECT,
          scope: 'openid email profile',
          state: 'dv-state',
        });
        const page = await new Browser(app.app, 'http://browser-origin.invalid').get(url.href);
        const back = new URL(page.location!);
        assert.equal(back.origin + back.pathname, REDIRECT);
        assert.equal(back.searchParams.get('error'), 'invalid_request');
        assert.equal(back.searchParams.get('code'), null);
      });
    });
  });
}
