import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { uniqueEmail } from '../support/accounts.js';
import { Browser, type Page } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { authorizationRequest, redeem, registerRelyingParty, untilClient } from '../support/op-client.js';
import { createPasswordAccount } from '../support/orcid.js';
import { PASSWORD } from '../support/accounts.js';
import { type TestApp } from '../support/test-app.js';

/**
 * Withdrawing a consent on /profile ("Connected applications"), with openid-client as the
 * repository over real HTTP: the grant and every token under it go, the refresh token is refused,
 * and the next authorization asks again. Forged or foreign withdrawals change nothing.
 */
for (const backend of backends()) {
  describe(`Connected applications on /profile [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend);
    });
    after(async () => app?.close());

    const browser = () => new Browser(app.app, 'http://browser-origin.invalid');

    /** Signs in with a password at the authorization and allows the client; returns the tokens. */
    async function allow(b: Browser, rp: Awaited<ReturnType<typeof registerRelyingParty>>, email?: string) {
      const req = await authorizationRequest(rp, { scope: 'openid email profile' });
      let page = await b.follow(await b.get(req.url.href));
      if (new URL(page.url).pathname === '/login') {
        const returnTo = new URL(page.url).searchParams.get('returnTo')!;
        page = await b.follow(await b.post(`${app.url}/login`, { email: email!, password: PASSWORD, returnTo }));
      }
      for (let i = 0; i < 5 && !/\/interaction\/[\w-]+$/.test(new URL(page.url).pathname); i++) {
        const refresh = page.headers.refresh;
        page = await b.follow(await b.get(String(refresh).replace(/^0;url=/, '')));
      }
      assert.match(page.body, /Allow .* to sign you in\?/, `no consent page at ${page.url}`);
      const answered = await b.post(`${page.url}/consent`, { decision: 'allow' });
      return redeem(rp, await untilClient(b, answered, rp.redirect), req);
    }

    const revokeForm = (page: Page, clientId: string) =>
      page.body.match(new RegExp(`<form method="post" action="(/profile/applications/${clientId}/revoke)"`))?.[1];

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('listed with name, date and scopes; withdrawing ends the refresh token and the access token, and consent is asked again', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('withdraw'));
        const rp = await registerRelyingParty(app, { name: 'Withdrawn Repository', firstParty: false });
        const kept = await registerRelyingParty(app, { name: 'Kept Repository', firstParty: false });
        const b = browser();
        const tokens = await allow(b, rp, account.email);
        const keptTokens = await allow(b, kept);

        const profile = await b.get(`${app.url}/profile`);
        assert.equal(profile.status, 200);
        assert.match(profile.body, /<h2>Connected applications<\/h2>/);
        assert.match(profile.body, /Withdrawn Repository/);
        assert.match(profile.body, /allowed since/);
        assert.match(
          profile.body,
          /your verified email address; your name, language and ORCID iD|your name.*your verified/s,
        );
        const action = revokeForm(profile, rp.clientId);
        assert.ok(action, 'a revoke form for the client');

        const done = await b.post(`${app.url}${action}`, {});
        assert.equal(done.status, 303);
        assert.equal(done.location, '/profile');
        const after = await b.get(`${app.url}/profile`);
        assert.match(after.body, /Withdrawn Repository can no longer sign you in/);
        assert.equal(revokeForm(after, rp.clientId), undefined, 'no longer listed');
        assert.ok(revokeForm(after, kept.clientId), 'the other client stays');
        const audited = await app.lanyard.db
          .selectFrom('audit_event')
          .select(['actor_account_id', 'detail'])
          .where('account_id', '=', account.id)
          .where('action', '=', 'consent_withdrawn')
          .execute();
        assert.deepEqual(audited, [
          { actor_account_id: account.id, detail: { client: rp.clientId, clientName: 'Withdrawn Repository' } },
        ]);

        await assert.rejects(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!), { error: 'invalid_grant' });
        await assert.rejects(oidc.fetchUserInfo(rp.config, tokens.access_token, account.id));
        const stillKept = await oidc.refreshTokenGrant(kept.config, keptTokens.refresh_token!);
        assert.ok(stillKept.access_token, 'the other client’s tokens still work');

        // The next sign-in at the withdrawn client asks again (allow() fails without the consent page).
        const again = await allow(b, rp);
        assert.equal(again.claims()!.sub, account.id);
      });

      test('German strings on /profile', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('withdraw-de'));
        const rp = await registerRelyingParty(app, { name: 'Repositorium', firstParty: false });
        const b = browser();
        await allow(b, rp, account.email);
        const page = await b.get(`${app.url}/profile?lang=de`);
        assert.match(page.body, /<h2>Verbundene Anwendungen<\/h2>/);
        assert.match(page.body, /Zugriff entziehen/);
        assert.match(page.body, /erlaubt seit/);
      });

      test('attack: without the CSRF token, for another person’s client, or signed out — refused, nothing revoked', async () => {
        const victim = await createPasswordAccount(app, uniqueEmail('withdraw-victim'));
        const attacker = await createPasswordAccount(app, uniqueEmail('withdraw-attacker'));
        const rp = await registerRelyingParty(app, { name: 'Victim Repository', firstParty: false });
        const other = await registerRelyingParty(app, { name: 'Attacker Repository', firstParty: false });
        const victimBrowser = browser();
        const victimTokens = await allow(victimBrowser, rp, victim.email);
        const attackerBrowser = browser();
        await allow(attackerBrowser, other, attacker.email);
        await attackerBrowser.get(`${app.url}/profile`);

        const forged = await victimBrowser.post(`${app.url}/profile/applications/${rp.clientId}/revoke`, {
          _csrf: 'forged',
        });
        assert.equal(forged.status, 403);
        assert.match(forged.body, /CSRF_FAILED/);
        const foreign = await attackerBrowser.post(`${app.url}/profile/applications/${rp.clientId}/revoke`, {});
        assert.equal(foreign.status, 404, 'the attacker never granted this client');
        assert.match(foreign.body, /NOT_FOUND/);
        const unknown = await attackerBrowser.post(`${app.url}/profile/applications/no-such-client/revoke`, {});
        assert.equal(unknown.status, 404);
        const anonymous = await browser().post(`${app.url}/profile/applications/${rp.clientId}/revoke`, { _csrf: 'x' });
        assert.equal(anonymous.status, 403, 'signed out: no session, no valid form');

        const refreshed = await oidc.refreshTokenGrant(rp.config, victimTokens.refresh_token!);
        assert.ok(refreshed.access_token, 'the victim’s grant is untouched');
        assert.ok(revokeForm(await victimBrowser.get(`${app.url}/profile`), rp.clientId));
      });
    });
  });
}
