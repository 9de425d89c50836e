import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { seedAccount, uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { registerRelyingParty, type RelyingParty } from '../support/op-client.js';
import { authorizeWithPassword } from '../support/op-sign-in.js';
import type { TestApp } from '../support/test-app.js';

/**
 * One repository must never use what the provider issued to another: its code, refresh token or
 * access token. The provider reads the rows a request names before it runs (the token with its
 * client, grant and session, src/stores/oidc-payloads.ts); a row read for the token's own client
 * must not stand in for the client that authenticated. Two confidential clients over real HTTP.
 */
for (const backend of backends()) {
  describe(`a client cannot use another client's code or tokens [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    let victim: RelyingParty;
    let thief: RelyingParty;
    before(async () => {
      if (reason) return;
      app = await createListeningTestApp(backend);
      victim = await registerRelyingParty(app, { name: 'Victim repository', redirect: 'http://127.0.0.1:9/victim' });
      // The thief registered the same redirect URI (it reads the victim's callback, say).
      thief = await registerRelyingParty(app, { name: 'Thief repository', redirect: 'http://127.0.0.1:9/victim' });
    });
    after(async () => app?.close());

    const tokenRequest = (rp: RelyingParty, form: Record<string, string>) =>
      fetch(`${app.url}/oidc/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(rp.clientId)}:${encodeURIComponent(rp.secret!)}`).toString('base64')}`,
        },
        body: new URLSearchParams(form).toString(),
      });

    test(
      'the victim’s code redeemed by the thief is invalid_grant; refresh, revocation and introspection likewise',
      { skip: reason || false },
      async () => {
        const account = await seedAccount(app.lanyard, uniqueEmail('cross'));
        const { callback, verifier, nonce } = await authorizeWithPassword(
          victim.config,
          account.email,
          victim.redirect,
          {
            browser: new Browser(null, 'http://browser.invalid'),
          },
        );
        const code = callback.searchParams.get('code')!;
        const stolen = await tokenRequest(thief, {
          grant_type: 'authorization_code',
          code,
          redirect_uri: victim.redirect,
          code_verifier: verifier,
        });
        assert.equal(stolen.status, 400);
        assert.equal(((await stolen.json()) as { error: string }).error, 'invalid_grant');

        const tokens = await oidc.authorizationCodeGrant(victim.config, callback, {
          pkceCodeVerifier: verifier,
          expectedNonce: nonce,
          idTokenExpected: true,
        });
        assert.ok(tokens.refresh_token);
        const refresh = await tokenRequest(thief, {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token!,
        });
        assert.equal(refresh.status, 400);
        assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant');

        for (const token of [tokens.access_token, tokens.refresh_token!]) {
          const revoke = await fetch(`${app.url}/oidc/token/revocation`, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              authorization: `Basic ${Buffer.from(`${encodeURIComponent(thief.clientId)}:${encodeURIComponent(thief.secret!)}`).toString('base64')}`,
            },
            body: new URLSearchParams({ token }).toString(),
          });
          assert.notEqual(revoke.status, 200, 'the thief may not revoke the victim’s token');
        }
        // Everything of the victim's still works: nothing the thief sent revoked or used it.
        const info = await oidc.fetchUserInfo(victim.config, tokens.access_token, account.id);
        assert.equal(info.email, account.email);
        const refreshed = await oidc.refreshTokenGrant(victim.config, tokens.refresh_token!);
        assert.ok(refreshed.access_token);
      },
    );
  });
}
