import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { PASSWORD, seedAccount, signedInBrowser, uniqueEmail } from '../support/accounts.js';
import { cookieNames } from '../../src/http/cookies.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import {
  authorizationRequest,
  redeem,
  registerRelyingParty,
  type RelyingParty,
  untilClient,
} from '../support/op-client.js';
import { authorizeWithPassword, signInWithPassword } from '../support/op-sign-in.js';
import type { TestApp } from '../support/test-app.js';

const AFTER_LOGOUT = 'http://127.0.0.1:9/signed-out';

/**
 * A repository's developer, and an attacker, against Lanyard's OpenID provider over real HTTP:
 * what a relying party sends that Lanyard cannot honour, requests that lose a race, and sign-out.
 */
for (const backend of backends()) {
  describe(`OpenID provider, as a relying party sees it [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    let rp: RelyingParty;
    let leaving: RelyingParty;
    let other: RelyingParty;
    before(async () => {
      if (reason) return;
      app = await createListeningTestApp(backend);
      rp = await registerRelyingParty(app, { name: 'Race repository', redirect: 'http://127.0.0.1:9/race' });
      leaving = await registerRelyingParty(app, {
        name: 'Leaving repository',
        redirect: 'http://127.0.0.1:9/leaving',
        postLogoutRedirectUris: [AFTER_LOGOUT],
      });
      other = await registerRelyingParty(app, { name: 'Other repository', redirect: 'http://127.0.0.1:9/other' });
    });
    after(async () => app?.close());

    const basic = (r: RelyingParty) =>
      `Basic ${Buffer.from(`${encodeURIComponent(r.clientId)}:${encodeURIComponent(r.secret!)}`).toString('base64')}`;

    /** Pushes an authorization request (RFC 9126) for `r`; its request_uri. */
    async function push(r: RelyingParty, extra: Record<string, string> = {}): Promise<string> {
      const res = await fetch(`${app.url}/oidc/request`, {
        method: 'POST',
        headers: { authorization: basic(r), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: r.clientId,
          response_type: 'code',
          scope: 'openid',
          redirect_uri: r.redirect,
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuKZWV9pbw7',
          code_challenge_method: 'S256',
          state: 'pushed',
          ...extra,
        }).toString(),
      });
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as { request_uri: string }).request_uri;
    }

    /** A code for `r` in a browser already signed in to Lanyard, redeemed: the client's tokens. */
    async function signedInAlready(b: Browser, r: RelyingParty, extra: Record<string, string> = {}) {
      const req = await authorizationRequest(r, { scope: 'openid', ...extra });
      return redeem(r, await untilClient(b, await b.get(req.url.href), r.redirect), req);
    }

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('attack: a pushed request used by another request between this one’s read and its write is a clean 400 (invalid_request_uri, no Location), and no code is stored', async () => {
        const account = await seedAccount(app.lanyard, uniqueEmail('par-race'));
        // Signed in, with a grant: the next request for this client goes straight to a code.
        const { browser } = await authorizeWithPassword(rp.config, account.email, rp.redirect, { scope: 'openid' });
        const requestUri = await push(rp);
        const id = requestUri.split(':').at(-1)!;
        // Another request (on this process or another) marks the pushed request used a moment before
        // this one writes: this request's conditional UPDATE then finds it taken, as a loser's does.
        await sql`create function lanyard_test_par_taken() returns trigger language plpgsql as $$
            begin
              if old.model = 'PushedAuthorizationRequest' and old.id = ${sql.lit(id)} and new.consumed_at is not null then
                return null;
              end if;
              return new;
            end $$`.execute(app.lanyard.db);
        await sql`create trigger lanyard_test_par_taken before update on oidc_payload
            for each row execute function lanyard_test_par_taken()`.execute(app.lanyard.db);
        try {
          const codesBefore = await codes();
          const page = await browser.get(
            `${app.url}/oidc/auth?client_id=${encodeURIComponent(rp.clientId)}&request_uri=${encodeURIComponent(requestUri)}`,
          );
          assert.equal(page.status, 400, `${page.status} ${page.location}`);
          assert.equal(page.location, undefined, 'an error answer sends the browser nowhere');
          assert.equal(page.headers.refresh, undefined);
          assert.match(String(page.headers['content-type']), /^text\/html/);
          assert.match(page.body, /invalid_request_uri/);
          assert.doesNotMatch(page.body, /code=/);
          assert.equal(await codes(), codesBefore, 'no code was stored for the lost request');
        } finally {
          await sql`drop trigger lanyard_test_par_taken on oidc_payload`.execute(app.lanyard.db);
          await sql`drop function lanyard_test_par_taken()`.execute(app.lanyard.db);
        }
      });

      test('RP-initiated logout naming the client by client_id alone: its registered URI gets the state; "Stay signed in" ends that client’s grant and nothing else', async () => {
        const account = await seedAccount(app.lanyard, uniqueEmail('logout-client-id'));
        const first = await signInWithPassword(leaving.config, account.email, leaving.redirect);
        const b = first.browser;
        const second = { tokens: await signedInAlready(b, other) };
        const url = `${app.url}/oidc/session/end?${new URLSearchParams({
          client_id: leaving.clientId,
          post_logout_redirect_uri: AFTER_LOGOUT,
          state: 'by-client-id',
        })}`;
        const page = await b.get(url);
        assert.equal(page.status, 200);
        assert.match(page.body, /Leaving repository signed you out/);
        const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1];
        assert.ok(xsrf);
        const stay = await b.post(`${app.url}/oidc/session/end/confirm`, { xsrf });
        assert.equal(stay.status, 303);
        const back = new URL(stay.location!);
        assert.equal(back.origin + back.pathname, AFTER_LOGOUT);
        assert.equal(back.searchParams.get('state'), 'by-client-id');
        // That client's grant is gone with its tokens; the other client's and Lanyard's session stay.
        await assert.rejects(oidc.refreshTokenGrant(leaving.config, first.tokens.refresh_token!), {
          error: 'invalid_grant',
        });
        await assert.rejects(oidc.fetchUserInfo(leaving.config, first.tokens.access_token, account.id), {
          status: 401,
        });
        assert.ok((await oidc.refreshTokenGrant(other.config, second.tokens.refresh_token!)).access_token);
        assert.equal((await b.get(`${app.url}/profile`)).status, 200, 'still signed in to Lanyard');
      });

      test('RP-initiated logout: "Sign me out of Lanyard" ends every client’s grant of that browser’s sign-in, except one made for offline_access', async () => {
        const account = await seedAccount(app.lanyard, uniqueEmail('logout-all'));
        const first = await signInWithPassword(leaving.config, account.email, leaving.redirect);
        const b = first.browser;
        const second = { tokens: await signedInAlready(b, rp) };
        // offline_access counts only with prompt=consent (OpenID Connect Core §11).
        const offline = await signedInAlready(b, other, { scope: 'openid offline_access', prompt: 'consent' });
        const page = await b.get(
          oidc.buildEndSessionUrl(leaving.config, {
            id_token_hint: first.tokens.id_token!,
            post_logout_redirect_uri: AFTER_LOGOUT,
          }).href,
        );
        const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1];
        const out = await b.post(`${app.url}/oidc/session/end/confirm`, { xsrf: xsrf!, logout: 'yes' });
        assert.equal(out.status, 303);
        assert.equal(new URL(out.location!).searchParams.get('state'), null, 'no state was sent, none comes back');
        for (const [client, tokens] of [
          [leaving, first.tokens],
          [rp, second.tokens],
        ] as const)
          await assert.rejects(oidc.refreshTokenGrant(client.config, tokens.refresh_token!), {
            error: 'invalid_grant',
          });
        assert.ok((await oidc.refreshTokenGrant(other.config, offline.refresh_token!)).access_token);
        assert.equal((await b.get(`${app.url}/profile`)).status, 302, 'signed out of Lanyard');
      });

      test('RP-initiated logout: a post_logout_redirect_uri without a client named is not followed; without a sign-in there is no question', async () => {
        const account = await seedAccount(app.lanyard, uniqueEmail('logout-unnamed'));
        const { browser: b } = await signInWithPassword(leaving.config, account.email, leaving.redirect);
        // No id_token_hint, no client_id: the URI (even a registered one) is dropped, the person
        // ends on Lanyard's own page.
        const page = await b.get(
          `${app.url}/oidc/session/end?${new URLSearchParams({ post_logout_redirect_uri: AFTER_LOGOUT, state: 's' })}`,
        );
        assert.equal(page.status, 200);
        const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.body)?.[1];
        const out = await b.post(`${app.url}/oidc/session/end/confirm`, { xsrf: xsrf!, logout: 'yes' });
        assert.equal(out.status, 303);
        assert.equal(new URL(out.location!).href, `${app.url}/oidc/session/end/success`);
        const done = await b.get(out.location!);
        assert.equal(done.status, 200);
        assert.match(done.body, /signed out/i);

        // A browser signed in nowhere: nothing to ask; a form that submits itself (a Continue button
        // without script) goes on to the client's registered URI with the state.
        const nobody = new Browser(null, 'http://browser-origin.invalid');
        const bare = await nobody.get(
          `${app.url}/oidc/session/end?${new URLSearchParams({
            client_id: leaving.clientId,
            post_logout_redirect_uri: AFTER_LOGOUT,
            state: 'nobody',
          })}`,
        );
        assert.equal(bare.status, 200);
        assert.match(bare.body, /<noscript>[\s\S]*<button[^>]*type="submit"/);
        const form = Object.fromEntries(
          [...bare.body.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
        );
        const gone = await nobody.post(`${app.url}/oidc/session/end/confirm`, form);
        assert.equal(gone.status, 303);
        assert.equal(gone.location, `${AFTER_LOGOUT}?state=nobody`);

        // A post_logout_redirect_uri not registered for the named client: refused, nothing ends.
        const wrong = await nobody.get(
          `${app.url}/oidc/session/end?${new URLSearchParams({ client_id: leaving.clientId, post_logout_redirect_uri: `${AFTER_LOGOUT}/` })}`,
        );
        assert.equal(wrong.status, 400);
        assert.equal(wrong.location, undefined);
        assert.match(wrong.body, /invalid_request/);
      });

      test('attack: signing out one other device ends the tokens a repository got in that browser, and only those', async () => {
        const spa = await registerRelyingParty(app, {
          name: 'Browser app on one device',
          auth: 'none',
          redirect: 'http://127.0.0.1:9/spa-device',
        });
        const account = await seedAccount(app.lanyard, uniqueEmail('one-device'));
        // Signed in at a shared computer; the browser app there keeps its tokens. And on the
        // person's own laptop, the same app with tokens of its own.
        const shared = await signInWithPassword(spa.config, account.email, spa.redirect);
        const laptop = await signInWithPassword(spa.config, account.email, spa.redirect);
        const lanyardSession = (b: Browser) => b.cookie(cookieNames(app.config).session, app.url)!.split('.')[0]!;
        // The shared computer's Lanyard session was renewed since (signing in again there, as before
        // a sensitive change): the provider's session made under the old one belongs to the new one.
        const first = lanyardSession(shared.browser);
        const reauth = await shared.browser.post(`${app.url}/login`, {
          email: account.email,
          password: PASSWORD,
          returnTo: '/profile',
        });
        assert.equal(reauth.status, 303);
        const sharedSession = lanyardSession(shared.browser);
        assert.notEqual(sharedSession, first);

        await laptop.browser.get(`${app.url}/profile/sessions`);
        const done = await laptop.browser.post(`${app.url}/profile/sessions/${sharedSession}/sign-out`, {});
        assert.equal(done.status, 303, done.body.slice(0, 300));
        await assert.rejects(oidc.refreshTokenGrant(spa.config, shared.tokens.refresh_token!), {
          error: 'invalid_grant',
        });
        await assert.rejects(oidc.fetchUserInfo(spa.config, shared.tokens.access_token, account.id), { status: 401 });
        // The laptop's own tokens go on working: it was not signed out.
        await oidc.fetchUserInfo(spa.config, laptop.tokens.access_token, account.id);
        const renewed = await oidc.refreshTokenGrant(spa.config, laptop.tokens.refresh_token!);
        assert.ok(renewed.access_token);
        const audit = await app.lanyard.db
          .selectFrom('audit_event')
          .select(['detail', 'actor_account_id'])
          .where('account_id', '=', account.id)
          .where('action', '=', 'session_revoked')
          .executeTakeFirstOrThrow();
        assert.deepEqual(audit.detail, { session: sharedSession.slice(0, 8), grants: 1 });
      });

      test('attack: tokens a public client holds for a device signed out by "Sign out everywhere else" (or an operator\'s "Sign out all devices") stop working', async () => {
        const spa = await registerRelyingParty(app, {
          name: 'Browser app',
          auth: 'none',
          redirect: 'http://127.0.0.1:9/spa',
        });
        for (const by of ['owner', 'operator'] as const) {
          const account = await seedAccount(app.lanyard, uniqueEmail(`everywhere-${by}`));
          // Someone signed in at a shared computer; the browser app there keeps its tokens.
          const stolen = await signInWithPassword(spa.config, account.email, spa.redirect);
          const { tokens } = stolen;
          if (by === 'owner') {
            const owner = await signedInBrowser(app, account.email);
            await owner.get('/profile/sessions');
            assert.equal((await owner.post('/profile/sessions/sign-out-others', {})).status, 303);
          } else {
            const admin = await seedAccount(app.lanyard, uniqueEmail('everywhere-admin'));
            await app.lanyard.db.updateTable('account').set({ is_admin: true }).where('id', '=', admin.id).execute();
            const operator = await signedInBrowser(app, admin.email);
            await operator.get(`/admin/accounts/${account.id}`);
            const done = await operator.post(`/admin/accounts/${account.id}/sign-out-everywhere`, {});
            assert.equal(done.status, 303, done.body.slice(0, 300));
          }
          await assert.rejects(
            oidc.refreshTokenGrant(spa.config, tokens.refresh_token!),
            { error: 'invalid_grant' },
            by,
          );
          await assert.rejects(oidc.fetchUserInfo(spa.config, tokens.access_token, account.id), { status: 401 }, by);
        }
      });
    });

    const codes = async () =>
      Number(
        (
          await app.lanyard.db
            .selectFrom('oidc_payload')
            .select((e) => e.fn.countAll().as('n'))
            .where('model', '=', 'AuthorizationCode')
            .executeTakeFirstOrThrow()
        ).n,
      );
  });
}
