import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { PASSWORD, uniqueEmail } from '../support/accounts.js';
import { Browser, type Page } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { authorizationRequest, redeem, registerRelyingParty, untilClient } from '../support/op-client.js';
import { createPasswordAccount } from '../support/orcid.js';
import type { TestApp } from '../support/test-app.js';

/**
 * "Not you? Use another account" on the OpenID provider's consent page, with openid-client as the
 * repository over real HTTP: the person signed in is signed out of Lanyard and sent to sign in again
 * for the same authorization request; another person then answers it, and the repository's code is
 * for that other account. A form post with the CSRF field: without it nothing changes.
 */
for (const backend of backends()) {
  describe(`consent page: use another account [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend);
    });
    after(async () => app?.close());

    const browser = () => new Browser(app.app, 'http://browser-origin.invalid');

    /** Follows Lanyard's redirects and self-moving pages until the consent page. */
    async function toConsent(b: Browser, page: Page): Promise<Page> {
      page = await b.follow(page);
      for (let i = 0; i < 5 && !/^\/interaction\/[\w-]+$/.test(new URL(page.url).pathname); i++) {
        const refresh = page.headers.refresh;
        assert.ok(refresh, `stuck at ${page.url}: ${page.status}`);
        page = await b.follow(await b.get(String(refresh).replace(/^0;url=/, '')));
      }
      assert.equal(page.status, 200);
      assert.match(page.body, /Allow .* to sign you in\?/, `no consent page at ${page.url}`);
      return page;
    }

    const signIn = async (b: Browser, login: Page, email: string) => {
      assert.equal(new URL(login.url).pathname, '/login');
      const returnTo = new URL(login.url).searchParams.get('returnTo')!;
      assert.match(returnTo, /^\/interaction\/[\w-]+$/);
      return b.post(`${app.url}/login`, { email, password: PASSWORD, returnTo });
    };

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('the first person steps aside; another signs in and allows; the code is for the other account', async () => {
        const first = await createPasswordAccount(app, uniqueEmail('first'));
        const other = await createPasswordAccount(app, uniqueEmail('other'));
        const rp = await registerRelyingParty(app, { name: 'Shared Terminal Repository', firstParty: false });
        const req = await authorizationRequest(rp, { scope: 'openid email' });
        const b = browser();
        const consent = await toConsent(b, await signIn(b, await b.follow(await b.get(req.url.href)), first.email));
        assert.ok(consent.body.includes(first.email), 'the consent page says who is signed in');
        const action = `${new URL(consent.url).pathname}/another-account`;
        assert.ok(consent.body.includes(`action="${action}"`), 'the way out is a form');
        assert.match(consent.body, /Not you\? Use another account/);

        const switched = await b.post(`${app.url}${action}`, {});
        assert.equal(switched.status, 303, switched.body.slice(0, 300));
        const login = await b.get(new URL(switched.location!, switched.url).href);
        assert.equal(new URL(login.url).pathname, '/login');
        assert.match(login.body, /You are signed out\./);
        assert.match(login.body, /Sign in to continue to <strong>Shared Terminal Repository<\/strong>/);
        // Signed out of Lanyard: the profile asks for a sign-in.
        const profile = await b.get(`${app.url}/profile`);
        assert.ok(profile.status === 302 || profile.status === 303, `${profile.status}`);
        assert.match(profile.location!, /^\/login/);

        const second = await toConsent(b, await signIn(b, login, other.email));
        assert.ok(second.body.includes(other.email), 'the consent page names the other account');
        assert.ok(!second.body.includes(first.email));
        const answered = await b.post(`${second.url}/consent`, { decision: 'allow' });
        const tokens = await redeem(rp, await untilClient(b, answered, rp.redirect), req);
        const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub);
        assert.equal(info.email, other.email);
      });

      test('attack: a session older than the re-authentication window lets no client act on the ORCID record: the consent page and its form send it to sign in again; signed in again, the person may allow', async () => {
        const person = await createPasswordAccount(app, uniqueEmail('works'));
        const rp = await registerRelyingParty(app, { name: 'Works Repository' });
        const b = browser();
        const login = await b.get(`${app.url}/login`);
        assert.equal(login.status, 200);
        assert.equal((await b.post(`${app.url}/login`, { email: person.email, password: PASSWORD })).status, 303);
        // Someone finds the browser left signed in, later, and lets a client of theirs write to the record.
        app.clock.advance(app.config.reauthSeconds * 1000 + 1000);
        const req = await authorizationRequest(rp, { scope: 'openid orcid.works' });
        let page = await b.get(req.url.href);
        for (let i = 0; i < 5 && page.location && !page.location.startsWith('/login'); i++)
          page = await b.get(new URL(page.location, page.url).href);
        assert.equal(page.status, 303, `${page.url}: ${page.status}`);
        const again = page.location!;
        const uid = /returnTo=%2Finteraction%2F([\w-]+)/.exec(again)?.[1];
        assert.ok(uid && again.startsWith('/login?reauth=1&'), again);
        // The consent form posted straight away (the browser's CSRF field is known): no grant either.
        const grants = () =>
          app.lanyard.db.selectFrom('oidc_payload').select('id').where('model', '=', 'Grant').execute();
        const before = (await grants()).length;
        const posted = await b.post(`${app.url}/interaction/${uid}/consent`, { decision: 'allow' });
        assert.equal(posted.status, 303);
        assert.equal(posted.location, again);
        assert.equal((await grants()).length, before, 'a grant was made from a stale session');

        // The person signs in again and allows it.
        const reauth = await b.follow(await b.get(`${app.url}${again}`));
        const consent = await toConsent(b, await signIn(b, reauth, person.email));
        assert.match(consent.body, /ORCID/);
        const answered = await b.post(`${consent.url}/consent`, { decision: 'allow' });
        const tokens = await redeem(rp, await untilClient(b, answered, rp.redirect), req);
        assert.match(String(tokens.scope), /orcid\.works/);
      });

      test('without the CSRF field, or from a browser without the authorization, nothing changes', async () => {
        const first = await createPasswordAccount(app, uniqueEmail('kept'));
        const rp = await registerRelyingParty(app, { name: 'Kept Repository', firstParty: false });
        const req = await authorizationRequest(rp, { scope: 'openid email' });
        const b = browser();
        const consent = await toConsent(b, await signIn(b, await b.follow(await b.get(req.url.href)), first.email));
        const action = `${app.url}${new URL(consent.url).pathname}/another-account`;
        const forged = await b.post(action, { _csrf: 'forged' });
        assert.equal(forged.status, 403);
        const missing = await b.request('POST', action, '', { 'content-type': 'application/x-www-form-urlencoded' });
        assert.ok(missing.status >= 400 && missing.status < 500, `${missing.status}`);
        // Another browser (no session, no interaction cookie) with a field of its own.
        const stranger = browser();
        await stranger.get(`${app.url}/login`);
        const foreign = await stranger.post(action, {});
        assert.notEqual(foreign.status, 303);
        // Still signed in, still asked: allowing gives a code for the first account.
        const profile = await b.get(`${app.url}/profile`);
        assert.equal(profile.status, 200);
        const again = await toConsent(b, await b.get(consent.url));
        const answered = await b.post(`${again.url}/consent`, { decision: 'allow' });
        const tokens = await redeem(rp, await untilClient(b, answered, rp.redirect), req);
        const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub);
        assert.equal(info.email, first.email);
      });
    });
  });
}
