import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addOidcClient } from '../../src/stores/oidc-clients.js';
import { uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { passwordSignIn, untilClient } from '../support/op-client.js';
import { addOrcidUser, createAccountWithOrcid, createPasswordAccount, signInWithOrcid } from '../support/orcid.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

const REDIRECT = 'https://invenio.example.org/oauth/authorized/lanyard/';

/**
 * The way invenio-oauthclient (flask-oauthlib underneath) uses an OpenID provider, replayed over
 * plain HTTP (docs/integrations/invenio.md): `openid profile email`, its own signed `state`, no
 * nonce or PKCE; the code redeemed with the secret in the form body (client_secret_post); then
 * userinfo, where the info handler reads `sub`, `email`, `name` and the `orcid` claim.
 */
for (const backend of backends()) {
  describe(`An Invenio-like client [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend, withOrcid);
    });
    after(async () => app?.close());

    async function invenioSignIn(signIn: (b: Browser, authorize: URL) => Promise<URL>) {
      const { client, secret } = await addOidcClient(
        app.lanyard.db,
        { name: 'Invenio', redirectUris: [REDIRECT], auth: 'client_secret_post' },
        new Date(),
      );
      const discovery = (await (await fetch(`${app.url}/oidc/.well-known/openid-configuration`)).json()) as Record<
        string,
        string
      >;
      const state = 'eyJhbGciOiJIUzI1NiJ9.invenio-state.sig';
      const authorize = new URL(discovery.authorization_endpoint!);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: REDIRECT,
        scope: 'openid profile email',
        state,
      }).toString();
      const callback = await signIn(new Browser(app.app, 'http://browser-origin.invalid'), authorize);
      assert.equal(callback.searchParams.get('state'), state, 'Invenio checks its state');
      const token = await fetch(discovery.token_endpoint!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: callback.searchParams.get('code')!,
          redirect_uri: REDIRECT,
          client_id: client.client_id,
          client_secret: secret!,
        }),
      });
      assert.equal(token.status, 200);
      const tokens = (await token.json()) as { access_token: string; refresh_token?: string };
      assert.ok(tokens.refresh_token, 'Invenio stores a refresh token without asking offline_access');
      const info = await fetch(discovery.userinfo_endpoint!, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      assert.equal(info.status, 200);
      return (await info.json()) as Record<string, unknown>;
    }

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('ORCID account: userinfo with the verified email, the name and the orcid claim (profile scope alone)', async () => {
        const email = uniqueEmail('invenio-orcid');
        const orcid = addOrcidUser(app, {
          givenNames: 'Lise',
          familyName: 'Meitner',
          emails: [{ email, visibility: 'public', verified: true }],
        });
        await createAccountWithOrcid(new Browser(app.app, app.url), orcid);
        const info = await invenioSignIn(async (b, authorize) => {
          const login = await b.follow(await b.get(authorize.href));
          const returnTo = new URL(login.url).searchParams.get('returnTo')!;
          const back = await signInWithOrcid(b, orcid, { startPath: `${app.url}/login/orcid`, returnTo });
          return untilClient(b, back, REDIRECT);
        });
        assert.equal(info.email, email);
        assert.equal(info.email_verified, true);
        assert.equal(info.name, 'Lise Meitner');
        assert.equal(info.orcid, `${app.orcid!.siteUrl}/${orcid}`);
        assert.equal(info.preferred_username, orcid);
      });

      test('attack: a password account without ORCID and an unverified email gets neither an orcid claim nor an email', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('invenio-plain'), { verified: false });
        const info = await invenioSignIn((b, authorize) => passwordSignIn(app, b, authorize, account.email, REDIRECT));
        assert.equal(info.sub, account.id);
        assert.equal(info.orcid, undefined);
        assert.equal(info.email, undefined);
      });
    });
  });
}
