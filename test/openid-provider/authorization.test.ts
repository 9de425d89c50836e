import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { addOidcClient, type ClientAuthMethod } from '../../src/stores/oidc-clients.js';
import { Browser, type Page } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { addOrcidUser, createAccountWithOrcid, createPasswordAccount, signInWithOrcid } from '../support/orcid.js';
import { PASSWORD, uniqueEmail } from '../support/accounts.js';
import { runLanyardCli } from '../support/lanyard-process.js';
import { TEST_SECRET, withOrcid, type TestApp } from '../support/test-app.js';
import { housekeeping } from '../../src/accounts/housekeeping.js';
import { hashToken } from '../../src/crypto/token.js';
import { errors } from 'oidc-provider';
import {
  endRequestWrites,
  OidcPayloadAdapter,
  RequestReads,
  withRequestReads,
} from '../../src/stores/oidc-payloads.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

/**
 * A relying party (openid-client) against Lanyard's OpenID provider over real HTTP, and a scripted
 * browser that also talks real HTTP to it (its own origin is unused, so every request leaves the process).
 */
for (const backend of backends()) {
  describe(`OpenID provider [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend, withOrcid);
    });
    after(async () => app?.close());

    const browser = () => new Browser(app.app, 'http://browser-origin.invalid');

    async function client(auth: ClientAuthMethod = 'client_secret_basic', redirect = REDIRECT) {
      const { client, secret } = await addOidcClient(
        app.lanyard.db,
        { name: 'Test repository', redirectUris: [redirect], auth },
        new Date(),
      );
      const clientAuth =
        auth === 'none'
          ? oidc.None()
          : auth === 'client_secret_post'
            ? oidc.ClientSecretPost(secret!)
            : oidc.ClientSecretBasic(secret!);
      const config = await oidc.discovery(new URL(`${app.url}/oidc`), client.client_id, undefined, clientAuth, {
        execute: [oidc.allowInsecureRequests],
      });
      return { config, clientId: client.client_id, secret };
    }

    async function authorizationRequest(config: oidc.Configuration, extra: Record<string, string> = {}) {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: 'openid profile email',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...extra,
      });
      return { url, verifier, state, nonce };
    }

    /** Follows redirects until one leaves for the client's redirect URI (which is never fetched). */
    async function untilClient(b: Browser, page: Page): Promise<URL> {
      for (let i = 0; i < 12; i++) {
        const refresh = page.headers.refresh;
        const target = page.location ?? (typeof refresh === 'string' ? refresh.replace(/^0;url=/, '') : undefined);
        assert.ok(target, `stuck at ${page.url}: ${page.status} ${page.body.slice(0, 300)}`);
        const url = new URL(target, page.url);
        if (url.href.startsWith(REDIRECT)) return url;
        page = await b.get(url.href);
      }
      throw new Error('too many redirects');
    }

    /** Sends the browser to the authorization URL and signs in with a password on Lanyard's page. */
    async function passwordSignIn(b: Browser, url: URL, email: string): Promise<URL> {
      const login = await b.follow(await b.get(url.href));
      assert.equal(login.status, 200);
      const returnTo = new URL(login.url).searchParams.get('returnTo');
      assert.match(returnTo ?? '', /^\/interaction\/[\w-]+$/);
      const signedIn = await b.post(`${app.url}/login`, { email, password: PASSWORD, returnTo: returnTo! });
      assert.equal(signedIn.status, 303, signedIn.body.slice(0, 300));
      return untilClient(b, signedIn);
    }

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('discovery names the issuer {PUBLIC_URL}/oidc, code flow with S256 PKCE, no dynamic registration', async () => {
        const { config } = await client();
        const meta = config.serverMetadata();
        assert.equal(meta.issuer, `${app.url}/oidc`);
        assert.deepEqual(meta.response_types_supported, ['code']);
        assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
        assert.equal(meta.registration_endpoint, undefined);
        // Only the client authentication a client can be registered with, no JWT assertions.
        assert.deepEqual(meta.token_endpoint_auth_methods_supported, [
          'client_secret_basic',
          'client_secret_post',
          'none',
        ]);
        assert.equal(meta.token_endpoint_auth_signing_alg_values_supported, undefined);
        assert.ok(meta.scopes_supported?.includes('orcid'));
        assert.ok(meta.claims_supported?.includes('orcid'));
      });

      test('password account: code + PKCE + state + nonce → ID token and userinfo with a verified email; refresh rotates', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('op'), {
          givenName: 'Ada',
          familyName: 'Lovelace',
        });
        const { config } = await client();
        const req = await authorizationRequest(config);
        const callback = await passwordSignIn(browser(), req.url, account.email);
        assert.equal(callback.searchParams.get('state'), req.state);
        const tokens = await oidc.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: req.verifier,
          expectedState: req.state,
          expectedNonce: req.nonce,
          idTokenExpected: true,
        });
        const idToken = tokens.claims()!;
        assert.equal(idToken.sub, account.id);
        assert.deepEqual(idToken.amr, ['pwd']);
        const info = await oidc.fetchUserInfo(config, tokens.access_token, account.id);
        assert.equal(info.email, account.email);
        assert.equal(info.email_verified, true);
        assert.equal(info.name, 'Ada Lovelace');
        assert.equal(info.given_name, 'Ada');
        assert.equal(info.orcid, undefined, 'no ORCID identity, no orcid claim');

        assert.ok(tokens.refresh_token, 'a refresh token without offline_access');
        const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
        assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, 'rotated');
        await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), { error: 'invalid_grant' });
        // The replay revoked the whole grant, the thief's and the owner's tokens alike.
        await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token!), { error: 'invalid_grant' });
      });

      test('an unverified address is never released as email', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('unverified'), { verified: false });
        const { config } = await client();
        const req = await authorizationRequest(config);
        const callback = await passwordSignIn(browser(), req.url, account.email);
        const tokens = await oidc.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: req.verifier,
          expectedState: req.state,
          expectedNonce: req.nonce,
        });
        const info = await oidc.fetchUserInfo(config, tokens.access_token, account.id);
        assert.equal(info.sub, account.id);
        assert.equal(info.email, undefined);
        assert.equal(info.email_verified, undefined);
        assert.equal(info.name, 'Ada Lovelace');
      });

      test('ORCID account (signed in through the emulator): the orcid claim with profile and with the orcid scope', async () => {
        const email = uniqueEmail('orcid-op');
        const orcid = addOrcidUser(app, {
          givenNames: 'Rosalind',
          familyName: 'Franklin',
          emails: [{ email, visibility: 'public', verified: true }],
        });
        await createAccountWithOrcid(new Browser(app.app, app.url), orcid);
        const orcidUri = `${app.orcid!.siteUrl}/${orcid}`;

        const { config } = await client('client_secret_post');
        for (const scope of ['openid profile email', 'openid orcid']) {
          const b = browser();
          const req = await authorizationRequest(config, { scope });
          const login = await b.follow(await b.get(req.url.href));
          const returnTo = new URL(login.url).searchParams.get('returnTo')!;
          const back = await signInWithOrcid(b, orcid, { startPath: `${app.url}/login/orcid`, returnTo });
          const callback = await untilClient(b, back);
          const tokens = await oidc.authorizationCodeGrant(config, callback, {
            pkceCodeVerifier: req.verifier,
            expectedState: req.state,
            expectedNonce: req.nonce,
          });
          // An ORCID sign-in, not the password ORCID reported (that was at ORCID, not here).
          assert.deepEqual(tokens.claims()!.amr, ['orcid']);
          const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
          assert.equal(info.orcid, orcidUri, scope);
          if (scope.includes('email')) {
            assert.equal(info.email, email);
            assert.equal(info.email_verified, true);
          } else assert.equal(info.email, undefined, 'no email scope, no email');
        }
      });

      test('attack: an unregistered or prefix-matched redirect URI is refused with no redirect', async () => {
        const { config } = await client();
        for (const redirect of [`${REDIRECT}x`, `${REDIRECT}/more`, `${REDIRECT}?next=x`, 'http://127.0.0.1:9/']) {
          const req = await authorizationRequest(config, { redirect_uri: redirect });
          const page = await browser().get(req.url.href);
          assert.equal(page.status, 400, redirect);
          assert.equal(page.location, undefined, redirect);
          assert.match(page.body, /redirect_uri did not match/);
        }
      });

      test('attack: a code used twice is refused, and the tokens it gave are revoked', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('reuse'));
        const { config } = await client();
        const req = await authorizationRequest(config);
        const callback = await passwordSignIn(browser(), req.url, account.email);
        const checks = { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce };
        const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
        await oidc.fetchUserInfo(config, tokens.access_token, account.id);
        await assert.rejects(oidc.authorizationCodeGrant(config, callback, checks), { error: 'invalid_grant' });
        await assert.rejects(oidc.fetchUserInfo(config, tokens.access_token, account.id), { status: 401 });
        await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), { error: 'invalid_grant' });
      });

      test('attack: one code redeemed twice at the same moment: one redemption gets tokens, the other invalid_grant, and the grant is revoked', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('race'));
        const { config } = await client();
        const req = await authorizationRequest(config);
        const callback = await passwordSignIn(browser(), req.url, account.email);
        const checks = { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce };
        const results = await Promise.allSettled([
          oidc.authorizationCodeGrant(config, callback, checks),
          oidc.authorizationCodeGrant(config, callback, checks),
        ]);
        const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { error?: string }] : []));
        assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
        assert.equal(lost[0]!.error, 'invalid_grant');
        await assert.rejects(oidc.fetchUserInfo(config, won[0]!.access_token, account.id), { status: 401 });
        await assert.rejects(oidc.refreshTokenGrant(config, won[0]!.refresh_token!), { error: 'invalid_grant' });
      });

      test('attack: one refresh token redeemed several times at the same moment: one rotation gets tokens, the others invalid_grant, and the grant is revoked', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('rt-race'));
        const { config } = await client();
        const req = await authorizationRequest(config);
        const callback = await passwordSignIn(browser(), req.url, account.email);
        const checks = { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce };
        const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
        const results = await Promise.allSettled(
          Array.from({ length: 4 }, () => oidc.refreshTokenGrant(config, tokens.refresh_token!)),
        );
        const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { error?: string }] : []));
        assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
        assert.deepEqual(
          lost.map((e) => e.error),
          ['invalid_grant', 'invalid_grant', 'invalid_grant'],
        );
        await assert.rejects(oidc.fetchUserInfo(config, won[0]!.access_token, account.id), { status: 401 });
        await assert.rejects(oidc.refreshTokenGrant(config, won[0]!.refresh_token!), { error: 'invalid_grant' });
      });

      test('a code used elsewhere after the request read it: nothing issued for it is stored, its grant is revoked', async () => {
        const { db } = app.lanyard;
        const codes = new OidcPayloadAdapter(db, app.clock, 'AuthorizationCode');
        const accessTokens = new OidcPayloadAdapter(db, app.clock, 'AccessToken');
        await codes.upsert('late-code', { grantId: 'g-late' }, 60);
        await accessTokens.upsert('earlier-token', { grantId: 'g-late' }, 3600);
        await withRequestReads(new RequestReads(), async () => {
          await codes.consume('late-code');
          await accessTokens.upsert('late-token', { grantId: 'g-late' }, 3600);
          // Another process redeems the code before this request writes.
          await db
            .updateTable('oidc_payload')
            .set({ consumed_at: new Date() })
            .where('model', '=', 'AuthorizationCode')
            .where('id', '=', 'late-code')
            .execute();
          await assert.rejects(endRequestWrites(db), errors.InvalidGrant);
        });
        const left = await db.selectFrom('oidc_payload').select('id').where('grant_id', '=', 'g-late').execute();
        assert.deepEqual(left, []);
      });

      test('attack: a public client without PKCE gets no code; with PKCE it signs in', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('public'));
        const { config } = await client('none');
        const url = oidc.buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT,
          scope: 'openid',
          state: oidc.randomState(),
        });
        const page = await browser().get(url.href);
        const refused = new URL(page.location!, page.url);
        assert.ok(refused.href.startsWith(REDIRECT));
        assert.equal(refused.searchParams.get('error'), 'invalid_request');
        assert.match(refused.searchParams.get('error_description') ?? '', /PKCE/);
        assert.equal(refused.searchParams.get('code'), null);

        const req = await authorizationRequest(config, { scope: 'openid' });
        const callback = await passwordSignIn(browser(), req.url, account.email);
        const tokens = await oidc.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: req.verifier,
          expectedState: req.state,
          expectedNonce: req.nonce,
        });
        assert.equal(tokens.claims()!.sub, account.id);
        // PKCE bound the code: a wrong verifier would not have redeemed it.
      });

      test('attack: a wrong verifier or a wrong client secret is refused; the right ones still redeem the code', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('secret'));
        const { config, clientId } = await client();
        const req = await authorizationRequest(config);
        const callback = await passwordSignIn(browser(), req.url, account.email);
        const checks = { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce };
        const wrong = new oidc.Configuration(
          config.serverMetadata(),
          clientId,
          undefined,
          oidc.ClientSecretBasic('x'.repeat(43)),
        );
        oidc.allowInsecureRequests(wrong);
        await assert.rejects(
          oidc.authorizationCodeGrant(wrong, callback, checks),
          (e: oidc.WWWAuthenticateChallengeError) => {
            assert.equal(e.status, 401);
            assert.equal(e.cause[0]?.parameters.error, 'invalid_client');
            return true;
          },
        );
        await assert.rejects(
          oidc.authorizationCodeGrant(config, callback, { ...checks, pkceCodeVerifier: oidc.randomPKCECodeVerifier() }),
          { error: 'invalid_grant' },
        );
        const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
        assert.equal(tokens.claims()!.sub, account.id);
      });

      test('housekeeping deletes expired provider rows and keeps the live ones and the keys', async () => {
        const adapter = new OidcPayloadAdapter(app.lanyard.db, app.clock, 'AuthorizationCode');
        await adapter.upsert('short-lived', { grantId: 'g-short' }, 60);
        await adapter.upsert('long-lived', { grantId: 'g-long' }, 3600);
        app.clock.advance(61_000);
        assert.equal(await adapter.find('short-lived'), undefined, 'expired is not found even before housekeeping');
        assert.ok((await housekeeping(app.lanyard)).oidc >= 1);
        const left = await app.lanyard.db.selectFrom('oidc_payload').select(['model', 'id']).execute();
        assert.ok(!left.some((r) => r.id === 'short-lived'));
        assert.ok(left.some((r) => r.id === 'long-lived'));
        assert.ok(
          left.some((r) => r.model === 'LanyardKeys'),
          'the signing keys never expire',
        );
        await adapter.destroy('long-lived');
      });

      if (backend === 'postgres')
        test('npx lanyard clients add/list/remove: the printed secret works once stored hashed; removal revokes', async () => {
          const env = {
            LANYARD_DATABASE_URL: app.config.databaseUrl!,
            LANYARD_SECRET_KEY: TEST_SECRET,
            LANYARD_PUBLIC_URL: app.url,
            LANYARD_ORCID_ENV: 'off',
            LANYARD_REQUIRE_SMTP: 'false',
          };
          const bad = await runLanyardCli(
            ['clients', 'add', '--name', 'X', '--redirect-uri', 'http://repo.example/cb'],
            env,
          );
          assert.equal(bad.code, 2);
          assert.match(bad.stderr, /must use https/);
          const noUri = await runLanyardCli(['clients', 'add', '--name', 'X'], env);
          assert.equal(noUri.code, 2);
          assert.match(noUri.stderr, /missing --redirect-uri/);
          const badAuth = await runLanyardCli(
            ['clients', 'add', '--name=X', `--redirect-uri=${REDIRECT}`, '--auth=private_key_jwt'],
            env,
          );
          assert.equal(badAuth.code, 2);

          const add = await runLanyardCli(
            [
              'clients',
              'add',
              '--name',
              'DSpace',
              '--redirect-uri',
              REDIRECT,
              '--auth',
              'client_secret_post',
              '--json',
            ],
            env,
          );
          assert.equal(add.code, 0, add.stderr);
          const printed = JSON.parse(add.stdout) as { client_id: string; client_secret: string; issuer: string };
          assert.equal(printed.issuer, `${app.url}/oidc`);
          const stored = await app.lanyard.db
            .selectFrom('oidc_payload')
            .select('payload')
            .where('model', '=', 'Client')
            .where('id', '=', printed.client_id)
            .executeTakeFirstOrThrow();
          assert.ok(!JSON.stringify(stored.payload).includes(printed.client_secret), 'the secret is not stored');
          assert.equal((stored.payload as { client_secret: string }).client_secret, hashToken(printed.client_secret));

          const list = await runLanyardCli(['clients', 'list'], env);
          assert.match(list.stdout, new RegExp(`${printed.client_id} {2}DSpace {2}client_secret_post {2}`));
          assert.ok(!list.stdout.includes(printed.client_secret));

          const config = await oidc.discovery(
            new URL(printed.issuer),
            printed.client_id,
            undefined,
            oidc.ClientSecretPost(printed.client_secret),
            { execute: [oidc.allowInsecureRequests] },
          );
          const account = await createPasswordAccount(app, uniqueEmail('cli'));
          const req = await authorizationRequest(config);
          const callback = await passwordSignIn(browser(), req.url, account.email);
          const tokens = await oidc.authorizationCodeGrant(config, callback, {
            pkceCodeVerifier: req.verifier,
            expectedState: req.state,
            expectedNonce: req.nonce,
          });
          assert.equal(tokens.claims()!.sub, account.id);

          const show = await runLanyardCli(['clients', 'show', printed.client_id, '--json'], env);
          assert.equal(show.code, 0, show.stderr);
          const shown = JSON.parse(show.stdout) as Record<string, unknown>;
          assert.equal(shown.token_endpoint_auth_method, 'client_secret_post');
          assert.equal(shown.pkce, 'optional');
          assert.equal(shown.consent, false);
          assert.ok(
            !show.stdout.includes(printed.client_secret) && !show.stdout.includes(hashToken(printed.client_secret)),
          );
          assert.equal((await runLanyardCli(['clients', 'show', 'no-such-client'], env)).code, 1);
          const badPkce = await runLanyardCli(
            ['clients', 'add', '--name=X', `--redirect-uri=${REDIRECT}`, '--auth=none', '--pkce=optional'],
            env,
          );
          assert.equal(badPkce.code, 2, 'a public client cannot opt out of PKCE');

          // A new secret: the old one stops working at once, the new one works, the tokens live on.
          const rotated = await runLanyardCli(['clients', 'rotate-secret', printed.client_id, '--json'], env);
          assert.equal(rotated.code, 0, rotated.stderr);
          const { client_secret: newSecret } = JSON.parse(rotated.stdout) as { client_secret: string };
          assert.notEqual(newSecret, printed.client_secret);
          await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), { status: 401 });
          const renewed = new oidc.Configuration(
            config.serverMetadata(),
            printed.client_id,
            undefined,
            oidc.ClientSecretPost(newSecret),
          );
          oidc.allowInsecureRequests(renewed);
          const refreshed = await oidc.refreshTokenGrant(renewed, tokens.refresh_token!);
          assert.ok(refreshed.access_token);

          const removed = await runLanyardCli(['clients', 'remove', printed.client_id], env);
          assert.equal(removed.code, 0, removed.stderr);
          await assert.rejects(
            oidc.refreshTokenGrant(renewed, refreshed.refresh_token!),
            (e: Error & { status?: number }) => {
              assert.equal(e.status, 401, 'the client itself is gone');
              return true;
            },
          );
          await assert.rejects(oidc.fetchUserInfo(renewed, refreshed.access_token, account.id), { status: 401 });
          assert.equal((await runLanyardCli(['clients', 'remove', printed.client_id], env)).code, 1);
        });
    });
  });
}
