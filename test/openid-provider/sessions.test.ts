import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { addOidcClient, type PkcePolicy } from '../../src/stores/oidc-clients.js';
import { PASSWORD, uniqueEmail } from '../support/accounts.js';
import { Browser, type Page } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { createPasswordAccount } from '../support/orcid.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const AFTER_LOGOUT = 'http://127.0.0.1:9/signed-out';

/**
 * The provider's session against Lanyard's: prompt=login and max_age, Lanyard's sign-out,
 * RP-initiated logout, interactions coming back in another browser, consent for clients that need
 * it, PKCE required per client. A relying party (openid-client) and a scripted browser over HTTP.
 */
for (const backend of backends()) {
  describe(`OpenID provider sessions [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend, withOrcid);
    });
    after(async () => app?.close());

    const browser = () => new Browser(app.app, 'http://browser-origin.invalid');

    async function client(opts: { firstParty?: boolean; pkce?: PkcePolicy } = {}) {
      const { client, secret } = await addOidcClient(
        app.lanyard.db,
        {
          name: 'Session repository',
          redirectUris: [REDIRECT],
          postLogoutRedirectUris: [AFTER_LOGOUT],
          auth: 'client_secret_basic',
          ...opts,
        },
        new Date(),
      );
      const config = await oidc.discovery(
        new URL(`${app.url}/oidc`),
        client.client_id,
        undefined,
        oidc.ClientSecretBasic(secret!),
        { execute: [oidc.allowInsecureRequests] },
      );
      return config;
    }

    async function request(config: oidc.Configuration, extra: Record<string, string> = {}, pkce = true) {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: 'openid profile email',
        state,
        ...(pkce
          ? { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }
          : {}),
        ...extra,
      });
      const redeem = (callback: URL) =>
        oidc.authorizationCodeGrant(config, callback, {
          ...(pkce ? { pkceCodeVerifier: verifier } : {}),
          expectedState: state,
        });
      return { url, state, verifier, redeem };
    }

    /** Follows redirects and self-moving pages until the client's redirect URI or a page that stays. */
    async function walk(b: Browser, page: Page): Promise<{ callback?: URL; page: Page }> {
      for (let i = 0; i < 12; i++) {
        const refresh = page.headers.refresh;
        const target = page.location ?? (typeof refresh === 'string' ? refresh.replace(/^0;url=/, '') : undefined);
        if (!target) return { page };
        const url = new URL(target, page.url);
        if (url.href.startsWith('http://127.0.0.1:9/')) return { callback: url, page };
        page = await b.get(url.href);
      }
      throw new Error('too many redirects');
    }

    /** The authorization request; when Lanyard's sign-in page shows, signs in with the password. */
    async function authorize(b: Browser, url: URL, email?: string) {
      let step = await walk(b, await b.get(url.href));
      if (step.callback || !email) return step;
      assert.equal(new URL(step.page.url).pathname, '/login', step.page.body.slice(0, 300));
      const returnTo = new URL(step.page.url).searchParams.get('returnTo')!;
      step = await walk(b, await b.post(`${app.url}/login`, { email, password: PASSWORD, returnTo }));
      return step;
    }

    const onSignInPage = (step: { callback?: URL; page: Page }) => {
      assert.equal(step.callback, undefined, `a code without signing in: ${step.callback?.href}`);
      assert.equal(new URL(step.page.url).pathname, '/login');
    };

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('attack: after signing out of Lanyard, the provider hands out no code without a new sign-in', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('signout'));
        const config = await client();
        const b = browser();
        const first = await request(config);
        const signedIn = await authorize(b, first.url, account.email);
        assert.ok(signedIn.callback, 'first authorization completes');
        // Signed in at both: the next request goes straight through.
        const again = await authorize(b, (await request(config)).url);
        assert.ok(again.callback?.searchParams.get('code'), 'a signed-in browser goes straight through');

        const profile = await b.get(`${app.url}/profile`);
        assert.equal(profile.status, 200);
        assert.equal((await b.post(`${app.url}/logout`, {})).status, 303);
        // Asked silently, the client hears login_required (what silent sign-in code branches on).
        const silent = await authorize(b, (await request(config, { prompt: 'none' })).url);
        assert.equal(silent.callback?.searchParams.get('error'), 'login_required', silent.callback?.href);
        onSignInPage(await authorize(b, (await request(config)).url));

        // Another person signing in to Lanyard in the same browser is not handed the first one's session.
        const other = await createPasswordAccount(app, uniqueEmail('signout-other'));
        await b.get(`${app.url}/login`);
        await b.post(`${app.url}/login`, { email: other.email, password: PASSWORD });
        const req = await request(config);
        const step = await authorize(b, req.url);
        assert.ok(step.callback, `signed in to Lanyard: straight through (${step.page.status} ${step.page.url})`);
        const tokens = await req.redeem(step.callback!);
        assert.equal(tokens.claims()!.sub, other.id, 'the account signed in to Lanyard now, not the earlier one');
      });

      test('attack: a session revoked from elsewhere, or its account disabled, gets no code though the browser keeps its cookies', async () => {
        const config = await client();
        const db = app.lanyard.db;
        for (const end of ['revoked', 'disabled', 'barred'] as const) {
          const account = await createPasswordAccount(app, uniqueEmail(`ended-${end}`));
          const b = browser();
          assert.ok((await authorize(b, (await request(config)).url, account.email)).callback, `${end}: signs in`);
          assert.ok((await authorize(b, (await request(config)).url)).callback, `${end}: straight through`);
          // Ended on the server (another device's "sign out everywhere", an operator): the browser
          // still sends both its Lanyard and its provider session cookie.
          if (end === 'revoked')
            await db
              .updateTable('session')
              .set({ revoked_at: new Date() })
              .where('account_id', '=', account.id)
              .execute();
          else
            await db
              .updateTable('account')
              .set(end === 'disabled' ? { status: 'disabled' } : { can_log_in: false })
              .where('id', '=', account.id)
              .execute();
          onSignInPage(await authorize(b, (await request(config)).url));
        }
      });

      test('prompt=login asks for a new sign-in even when signed in; the new sign-in completes it', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('prompt'));
        const config = await client();
        const b = browser();
        const first = await authorize(b, (await request(config)).url, account.email);
        assert.ok(first.callback);
        const req = await request(config, { prompt: 'login' });
        const step = await authorize(b, req.url);
        onSignInPage(step);
        app.clock.advance(2000);
        const returnTo = new URL(step.page.url).searchParams.get('returnTo')!;
        const done = await walk(
          b,
          await b.post(`${app.url}/login`, { email: account.email, password: PASSWORD, returnTo }),
        );
        assert.ok(done.callback?.searchParams.get('code'), done.page.body.slice(0, 300));
        const tokens = await req.redeem(done.callback!);
        assert.equal(tokens.claims()!.sub, account.id);
      });

      test('max_age: a sign-in older than asked is repeated; a recent enough one goes through', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('maxage'));
        const config = await client();
        const b = browser();
        assert.ok((await authorize(b, (await request(config)).url, account.email)).callback);
        app.clock.advance(120_000);
        assert.ok((await authorize(b, (await request(config, { max_age: '3600' })).url)).callback, 'young enough');
        const silent = await authorize(b, (await request(config, { max_age: '60', prompt: 'none' })).url);
        assert.equal(silent.callback?.searchParams.get('error'), 'login_required', silent.callback?.href);
        onSignInPage(await authorize(b, (await request(config, { max_age: '60' })).url));
      });

      test('RP-initiated logout with id_token_hint: Lanyard’s own page (EN/DE), then both sessions end and the client gets its state back', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('rplogout'));
        const config = await client();
        const b = browser();
        const req = await request(config);
        const step = await authorize(b, req.url, account.email);
        const tokens = await req.redeem(step.callback!);

        const bad = await b.get(
          oidc.buildEndSessionUrl(config, {
            id_token_hint: tokens.id_token!,
            post_logout_redirect_uri: `${AFTER_LOGOUT}x`,
          }).href,
        );
        assert.equal(bad.status, 400);
        assert.equal(bad.location, undefined);
        assert.match(bad.body, /This sign-in request was refused/);
        assert.match(bad.body, /invalid_request/);
        assert.match(bad.body, /<link rel="stylesheet"/);
        assert.equal((await b.get(`${app.url}/profile`)).status, 200, 'a refused logout ends nothing');

        const url = oidc.buildEndSessionUrl(config, {
          id_token_hint: tokens.id_token!,
          post_logout_redirect_uri: AFTER_LOGOUT,
          state: 'bye-123',
        });
        const german = await b.get(url.href, { 'accept-language': 'de' });
        assert.equal(german.status, 200);
        assert.match(german.body, /Bei Lanyard abmelden/);
        const page = await b.get(url.href);
        assert.match(page.body, /Session repository signed you out/);
        const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1];
        assert.ok(xsrf, page.body);
        const confirmed = await b.post(`${app.url}/oidc/session/end/confirm`, { xsrf, logout: 'yes' });
        assert.equal(confirmed.status, 303, confirmed.body.slice(0, 300));
        const back = new URL(confirmed.location!);
        assert.equal(back.origin + back.pathname, AFTER_LOGOUT);
        assert.equal(back.searchParams.get('state'), 'bye-123');

        const profile = await b.get(`${app.url}/profile`);
        assert.equal(profile.status, 302, 'Lanyard’s session ended too');
        onSignInPage(await authorize(b, (await request(config)).url));
      });

      test('RP-initiated logout that ends the Lanyard session is audited once as sign_out by the person, naming the repository; staying signed in is not', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('rpaudit'));
        const config = await client();
        const b = browser();
        const signOuts = () =>
          app.lanyard.db
            .selectFrom('audit_event')
            .selectAll()
            .where('action', '=', 'sign_out')
            .where('account_id', '=', account.id)
            .execute();
        const logoutPage = async () => {
          const req = await request(config);
          const tokens = await req.redeem((await authorize(b, req.url, account.email)).callback!);
          const page = await b.get(
            oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: AFTER_LOGOUT })
              .href,
          );
          const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1];
          assert.ok(xsrf, page.body);
          return xsrf;
        };

        // "Stay signed in": Lanyard's session goes on, nothing to audit as a sign-out.
        const stay = await b.post(`${app.url}/oidc/session/end/confirm`, { xsrf: await logoutPage() });
        assert.equal(stay.status, 303, stay.body.slice(0, 300));
        assert.equal((await b.get(`${app.url}/profile`)).status, 200);
        assert.deepEqual(await signOuts(), []);

        // "Sign me out of Lanyard": one sign-out, by the person, naming the repository that asked.
        const xsrf = await logoutPage();
        const confirmed = await b.post(`${app.url}/oidc/session/end/confirm`, { xsrf, logout: 'yes' });
        assert.equal(confirmed.status, 303, confirmed.body.slice(0, 300));
        assert.equal((await b.get(`${app.url}/profile`)).status, 302);
        const [event, ...more] = await signOuts();
        assert.deepEqual(more, []);
        assert.equal(event?.actor_account_id, account.id);
        assert.equal(event?.outcome, 'success');
        assert.ok(event?.ip, 'the address is recorded');
        const detail = typeof event.detail === 'string' ? JSON.parse(event.detail) : event.detail;
        assert.deepEqual(detail, { client: config.clientMetadata().client_id, via: 'rp_initiated_logout' });

        // The same confirmation again, and another logout from the signed-out browser, end nothing more.
        await b.post(`${app.url}/oidc/session/end/confirm`, { xsrf, logout: 'yes' });
        const again = await b.get(
          oidc.buildEndSessionUrl(config, { client_id: config.clientMetadata().client_id }).href,
        );
        assert.ok(again.status < 500, again.body.slice(0, 300));
        assert.equal((await signOuts()).length, 1);
      });

      test('an interaction opened in another browser starts the same request afresh; an unknown one is a 400 with a stable code', async () => {
        const config = await client();
        const req = await request(config);
        const start = await browser().get(req.url.href);
        assert.equal(start.status, 303);
        const interaction = new URL(start.location!, start.url);
        assert.match(interaction.pathname, /^\/interaction\//);

        const elsewhere = await browser().get(interaction.href);
        assert.equal(elsewhere.status, 303);
        const restart = new URL(elsewhere.location!, elsewhere.url);
        assert.equal(restart.pathname, '/oidc/auth');
        for (const key of ['client_id', 'redirect_uri', 'state', 'code_challenge', 'scope'])
          assert.equal(restart.searchParams.get(key), req.url.searchParams.get(key), key);

        const unknown = await browser().get(`${app.url}/interaction/${'x'.repeat(43)}`);
        assert.equal(unknown.status, 400);
        assert.match(unknown.body, /OIDC_INTERACTION_EXPIRED/);
        const weird = await browser().get(`${app.url}/interaction/..%2F..%2Fetc`);
        assert.ok(weird.status === 400 || weird.status === 404, String(weird.status));
      });

      test('consent for a client that needs it: asked once, cancel sends access_denied, allow is remembered', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('consent'));
        const config = await client({ firstParty: false });
        const b = browser();
        const denied = await request(config);
        const asked = await authorize(b, denied.url, account.email);
        assert.equal(asked.callback, undefined);
        assert.match(asked.page.url, /\/interaction\//);
        assert.match(asked.page.body, /Allow Session repository to sign you in\?/);
        assert.match(asked.page.body, /your verified email address/);
        // It asked no offline_access, yet receives a refresh token: the page says so.
        assert.doesNotMatch(denied.url.searchParams.get('scope') ?? '', /offline_access/);
        assert.match(asked.page.body, /access while you are away/);
        const no = await walk(b, await b.post(`${asked.page.url}/consent`, { decision: 'deny' }));
        assert.equal(no.callback?.searchParams.get('error'), 'access_denied');
        assert.equal(no.callback?.searchParams.get('code'), null);

        const allowed = await request(config);
        const again = await authorize(b, allowed.url);
        assert.match(again.page.body, /Allow Session repository/);
        const bad = await b.post(`${again.page.url}/consent`, { decision: 'maybe' });
        assert.equal(bad.status, 400);
        const forged = await b.post(`${again.page.url}/consent`, { decision: 'allow', _csrf: 'forged' });
        assert.equal(forged.status, 403);
        const yes = await walk(b, await b.post(`${again.page.url}/consent`, { decision: 'allow' }));
        assert.ok(yes.callback?.searchParams.get('code'));
        assert.equal((await allowed.redeem(yes.callback!)).claims()!.sub, account.id);

        const third = await authorize(b, (await request(config)).url);
        assert.ok(third.callback?.searchParams.get('code'), 'the answer is remembered for the grant');
      });

      test('--pkce required refuses a confidential client’s request without PKCE; optional lets DSpace-like clients through', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('pkce'));
        const b = browser();
        const strict = await client({ pkce: 'required' });
        const refused = await b.get((await request(strict, {}, false)).url.href);
        const to = new URL(refused.location!);
        assert.equal(to.searchParams.get('error'), 'invalid_request');
        assert.match(to.searchParams.get('error_description') ?? '', /PKCE/);

        const relaxed = await client({ pkce: 'optional' });
        const req = await request(relaxed, {}, false);
        const step = await authorize(b, req.url, account.email);
        assert.equal((await req.redeem(step.callback!)).claims()!.sub, account.id);
      });
    });
  });
}
