import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { updateAccount } from '../../src/stores/accounts.js';
import { PASSWORD, uniqueEmail } from '../support/accounts.js';
import { Browser, type Page } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { authorizationRequest, redeem, type RelyingParty, registerRelyingParty } from '../support/op-client.js';
import { createPasswordAccount } from '../support/orcid.js';
import type { TestApp } from '../support/test-app.js';

const AFTER_LOGOUT = 'http://127.0.0.1:9/signed-out';

/**
 * Access given to a repository at Lanyard's OpenID provider is in the audit trail: a grant made or
 * widened is `consent_granted` with the scopes it gained (`orcid.works`, leave to write to the ORCID
 * record, included), shown on /profile/activity and /admin/audit; an authorization that changes no
 * grant writes nothing; "Stay signed in" at a repository's sign-out, which ends that repository's
 * grant, is `consent_withdrawn`. openid-client as the repository, a scripted browser, real HTTP.
 */
for (const backend of backends()) {
  describe(`consent at the OpenID provider is audited [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend);
    });
    after(async () => app?.close());

    const browser = () => new Browser(app.app, 'http://browser-origin.invalid');

    const events = async (accountId: string, action: string) =>
      (
        await app.lanyard.db
          .selectFrom('audit_event')
          .selectAll()
          .where('account_id', '=', accountId)
          .where('action', '=', action)
          .orderBy('at')
          .execute()
      ).map((e) => ({ ...e, detail: typeof e.detail === 'string' ? JSON.parse(e.detail) : e.detail }));

    /**
     * One authorization request through to the repository's callback: signs in with the password
     * when Lanyard asks, answers "Allow" when a consent page shows. Says whether one did.
     */
    async function authorize(b: Browser, rp: RelyingParty, email: string, extra: Record<string, string> = {}) {
      const req = await authorizationRequest(rp, extra);
      let page: Page = await b.get(req.url.href);
      let consented = false;
      for (let i = 0; i < 15; i++) {
        const path = new URL(page.url).pathname;
        if (page.status === 200 && path === '/login') {
          const returnTo = new URL(page.url).searchParams.get('returnTo')!;
          page = await b.post(`${app.url}/login`, { email, password: PASSWORD, returnTo });
          continue;
        }
        if (page.status === 200 && /^\/interaction\/[\w-]+$/.test(path)) {
          assert.match(page.body, /Allow .* to sign you in\?/, `no consent page at ${page.url}`);
          page = await b.post(`${page.url}/consent`, { decision: 'allow' });
          consented = true;
          continue;
        }
        const refresh = page.headers.refresh;
        const target = page.location ?? (typeof refresh === 'string' ? refresh.replace(/^0;url=/, '') : undefined);
        assert.ok(target, `stuck at ${page.url}: ${page.status} ${page.body.slice(0, 300)}`);
        const url = new URL(target, page.url);
        if (url.href.startsWith(rp.redirect)) return { tokens: await redeem(rp, url, req), consented };
        page = await b.get(url.href);
      }
      throw new Error('too many redirects');
    }

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('a first-party grant is audited once; the same scopes again write nothing; orcid.works added is audited as asked', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('granted'));
        const rp = await registerRelyingParty(app, { name: 'Trusted Repository' });
        const b = browser();
        const first = await authorize(b, rp, account.email, { scope: 'openid email' });
        assert.equal(first.consented, false, 'a first-party client asks nothing');
        const [granted, ...more] = await events(account.id, 'consent_granted');
        assert.deepEqual(more, []);
        assert.equal(granted?.actor_account_id, account.id);
        assert.equal(granted?.outcome, 'success');
        assert.ok(granted?.ip, 'the address is recorded');
        assert.deepEqual(granted?.detail, {
          client: rp.clientId,
          clientName: 'Trusted Repository',
          scopes: ['openid', 'email'],
          asked: false,
        });

        // The repository signs the person in again, and again with prompt=consent: the grant is unchanged.
        await authorize(b, rp, account.email, { scope: 'openid email' });
        await authorize(b, rp, account.email, { scope: 'openid', prompt: 'consent' });
        assert.equal((await events(account.id, 'consent_granted')).length, 1, 'no second row');

        // Leave to write to the ORCID record is asked for, and audited as what was added.
        const widened = await authorize(b, rp, account.email, { scope: 'openid email orcid.works' });
        assert.equal(widened.consented, true, 'orcid.works is always asked for');
        const rows = await events(account.id, 'consent_granted');
        assert.equal(rows.length, 2);
        assert.deepEqual(rows[1]!.detail, {
          client: rp.clientId,
          clientName: 'Trusted Repository',
          scopes: ['orcid.works'],
          asked: true,
        });
        await authorize(b, rp, account.email, { scope: 'openid email orcid.works' });
        assert.equal((await events(account.id, 'consent_granted')).length, 2, 'asked once, audited once');
      });

      test('a consent client: "Allow" is audited with the scopes; a repeat authorization writes no second row', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('allowed'));
        const rp = await registerRelyingParty(app, { name: 'Asking Repository', firstParty: false });
        const b = browser();
        const first = await authorize(b, rp, account.email);
        assert.equal(first.consented, true);
        const again = await authorize(b, rp, account.email);
        assert.equal(again.consented, false, 'the grant is remembered');
        const rows = await events(account.id, 'consent_granted');
        assert.deepEqual(
          rows.map((r) => r.detail),
          [
            {
              client: rp.clientId,
              clientName: 'Asking Repository',
              scopes: ['openid', 'profile', 'email'],
              asked: true,
            },
          ],
        );
      });

      test('"Cancel" on the consent page grants nothing and writes nothing', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('denied'));
        const rp = await registerRelyingParty(app, { name: 'Refused Repository', firstParty: false });
        const b = browser();
        const req = await authorizationRequest(rp);
        let page = await b.follow(await b.get(req.url.href));
        const returnTo = new URL(page.url).searchParams.get('returnTo')!;
        page = await b.follow(await b.post(`${app.url}/login`, { email: account.email, password: PASSWORD, returnTo }));
        for (let i = 0; i < 5 && !/^\/interaction\/[\w-]+$/.test(new URL(page.url).pathname); i++)
          page = await b.follow(await b.get(String(page.headers.refresh).replace(/^0;url=/, '')));
        const denied = await b.post(`${page.url}/consent`, { decision: 'deny' });
        assert.equal(denied.status, 200, denied.body.slice(0, 300));
        const back = await b.get(String(denied.headers.refresh).replace(/^0;url=/, ''));
        assert.match(back.location ?? '', /^http:\/\/127\.0\.0\.1:9\/callback\?error=access_denied/);
        assert.deepEqual(await events(account.id, 'consent_granted'), []);
      });

      test('/profile/activity and /admin/audit name the event and the repository, in English and German', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('shown'));
        const rp = await registerRelyingParty(app, { name: 'Shown Repository', firstParty: false });
        const b = browser();
        await authorize(b, rp, account.email, { scope: 'openid email' });
        const row = (page: Page) =>
          /<tr data-action="consent_granted">([\s\S]*?)<\/tr>/.exec(page.body)?.[1] ?? assert.fail(page.body);

        const en = row(await b.get(`${app.url}/profile/activity?lang=en`));
        assert.match(en, /Access given to an application/);
        assert.match(en, /Shown Repository/);
        assert.match(en, /<code>openid email<\/code>/);
        assert.match(row(await b.get(`${app.url}/profile/activity?lang=de`)), /Zugriff einer Anwendung erteilt/);

        await updateAccount(app.lanyard.db, account.id, { is_admin: true }, app.lanyard.clock.now());
        const trail = await b.get(`${app.url}/admin/audit?lang=en&action=consent_granted&account=${account.id}`);
        assert.equal(trail.status, 200);
        assert.match(row(trail), /Access given to an application[\s\S]*Shown Repository/);
        assert.match(trail.body, /<option value="consent_granted" selected>Access given to an application<\/option>/);
        const de = await b.get(`${app.url}/admin/audit?lang=de&action=consent_granted&account=${account.id}`);
        assert.match(row(de), /Zugriff einer Anwendung erteilt[\s\S]*Shown Repository/);
      });

      test('"Stay signed in" at a repository\'s sign-out ends its grant and is audited as consent_withdrawn; no sign_out', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('stay'));
        const rp = await registerRelyingParty(app, {
          name: 'Leaving Repository',
          postLogoutRedirectUris: [AFTER_LOGOUT],
        });
        const b = browser();
        const { tokens } = await authorize(b, rp, account.email);
        const page = await b.get(
          oidc.buildEndSessionUrl(rp.config, {
            id_token_hint: tokens.id_token!,
            post_logout_redirect_uri: AFTER_LOGOUT,
          }).href,
        );
        const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1];
        assert.ok(xsrf, page.body);
        const stay = await b.post(`${app.url}/oidc/session/end/confirm`, { xsrf });
        assert.equal(stay.status, 303, stay.body.slice(0, 300));
        assert.equal((await b.get(`${app.url}/profile`)).status, 200, 'still signed in to Lanyard');
        await assert.rejects(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!), { error: 'invalid_grant' });

        const [withdrawn, ...more] = await events(account.id, 'consent_withdrawn');
        assert.deepEqual(more, []);
        assert.equal(withdrawn?.actor_account_id, account.id);
        assert.ok(withdrawn?.ip, 'the address is recorded');
        assert.deepEqual(withdrawn?.detail, {
          client: rp.clientId,
          clientName: 'Leaving Repository',
          via: 'rp_initiated_logout',
        });
        assert.deepEqual(await events(account.id, 'sign_out'), []);
        const activity = await b.get(`${app.url}/profile/activity`);
        assert.match(
          /<tr data-action="consent_withdrawn">([\s\S]*?)<\/tr>/.exec(activity.body)?.[1] ?? '',
          /Access of an application withdrawn[\s\S]*Leaving Repository/,
        );

        // The same confirmation sent again ends nothing more.
        await b.post(`${app.url}/oidc/session/end/confirm`, { xsrf });
        assert.equal((await events(account.id, 'consent_withdrawn')).length, 1);
      });
    });
  });
}
