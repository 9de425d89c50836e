import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import {
  type KeyDescription,
  PREPUBLISH_SECONDS,
  RETIRED_KEY_SECONDS,
  rotateProviderKeys,
  type SigningAlg,
} from '../../src/openid-provider/keys.js';
import { addOidcClient } from '../../src/stores/oidc-clients.js';
import { uniqueEmail } from '../support/accounts.js';
import { signInWithPassword } from '../support/op-sign-in.js';
import { backends, skipReason } from '../support/databases.js';
import { runLanyardCli } from '../support/lanyard-process.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { createPasswordAccount } from '../support/orcid.js';
import { TEST_SECRET, type TestApp, withOrcid } from '../support/test-app.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const AFTER_LOGOUT = 'http://127.0.0.1:9/signed-out';

/**
 * The provider's signing keys: rotation (`npx lanyard oidc rotate-keys`, a process of its own
 * against the same database), the old key published until its ID tokens expired, and ES256 ID tokens
 * for a client registered for them. openid-client is the relying party, over real HTTP, and checks
 * every ID token's signature against the provider's JWKS.
 */
for (const backend of backends()) {
  describe(`OpenID provider signing keys [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend, withOrcid);
    });
    after(async () => app?.close());

    async function client(idTokenAlg?: SigningAlg) {
      const { client, secret } = await addOidcClient(
        app.lanyard.db,
        {
          name: 'Keys repository',
          redirectUris: [REDIRECT],
          postLogoutRedirectUris: [AFTER_LOGOUT],
          auth: 'client_secret_basic',
          idTokenAlg,
        },
        new Date(),
      );
      const config = await oidc.discovery(
        new URL(`${app.url}/oidc`),
        client.client_id,
        idTokenAlg ? { id_token_signed_response_alg: idTokenAlg } : undefined,
        oidc.ClientSecretBasic(secret!),
        { execute: [oidc.allowInsecureRequests] },
      );
      // openid-client verifies each ID token's signature with the keys at the JWKS endpoint.
      oidc.enableNonRepudiationChecks(config);
      return config;
    }

    const signIn = (config: oidc.Configuration, email: string) => signInWithPassword(config, email, REDIRECT);

    const jwks = async () =>
      ((await (await fetch(`${app.url}/oidc/jwks`)).json()) as { keys: { kid: string; alg: string }[] }).keys;
    /** Verifies like any relying party: the JWKS fetched afresh, the key picked by the token's kid. */
    const verify = (idToken: string) => jwtVerify(idToken, createRemoteJWKSet(new URL(`${app.url}/oidc/jwks`)));

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('a client registered for ES256 receives an ES256 ID token; others RS256', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('es256'));
        const meta = (await client()).serverMetadata();
        assert.deepEqual([...meta.id_token_signing_alg_values_supported!].sort(), ['ES256', 'RS256']);

        const es = await signIn(await client('ES256'), account.email);
        const esHeader = decodeProtectedHeader(es.tokens.id_token!);
        assert.equal(esHeader.alg, 'ES256');
        assert.equal(es.tokens.claims()!.sub, account.id);
        const published = await jwks();
        assert.equal(published.find((k) => k.kid === esHeader.kid)?.alg, 'ES256');
        await verify(es.tokens.id_token!);

        const rs = await signIn(await client(), account.email);
        assert.equal(decodeProtectedHeader(rs.tokens.id_token!).alg, 'RS256');
      });

      test('rotate-keys: the new key is published at once and signs 10 min later in every process; the old key verifies its tokens until they expired, then is gone', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('rotate'));
        const config = await client();
        const before = await signIn(config, account.email);
        const oldKid = decodeProtectedHeader(before.tokens.id_token!).kid!;
        assert.ok((await jwks()).some((k) => k.kid === oldKid));

        // PostgreSQL: the operator's command, another process on the same database, while this one
        // keeps running. PGlite has one user at a time, so the same function runs in-process there.
        let newKid: string;
        if (backend === 'postgres') {
          const env = {
            LANYARD_DATABASE_URL: app.config.databaseUrl!,
            LANYARD_SECRET_KEY: TEST_SECRET,
            LANYARD_PUBLIC_URL: app.url,
            LANYARD_ORCID_ENV: 'off',
            LANYARD_REQUIRE_SMTP: 'false',
          };
          const bad = await runLanyardCli(['oidc', 'rotate-keys', '--later'], env);
          assert.equal(bad.code, 2, bad.stderr);
          assert.match(bad.stderr, /usage: npx lanyard oidc rotate-keys/);
          const badAlg = await runLanyardCli(
            ['clients', 'add', '--name=X', `--redirect-uri=${REDIRECT}`, '--id-token-alg=HS256'],
            env,
          );
          assert.equal(badAlg.code, 2);
          assert.match(badAlg.stderr, /--id-token-alg must be one of RS256, ES256/);
          const run = await runLanyardCli(['oidc', 'rotate-keys', '--json'], env);
          assert.equal(run.code, 0, run.stderr);
          const out = JSON.parse(run.stdout) as { keys: KeyDescription[] };
          const pending = out.keys.filter((k) => k.state === 'pending');
          assert.deepEqual(pending.map((k) => k.alg).sort(), ['ES256', 'RS256']);
          assert.equal(out.keys.find((k) => k.kid === oldKid)?.state, 'current');
          newKid = pending.find((k) => k.alg === 'RS256')!.kid;
        } else {
          const rotation = await rotateProviderKeys(app.lanyard.db, app.config.secretKeys, app.clock.now());
          newKid = rotation.keys.find((k) => k.state === 'pending' && k.alg === 'RS256')!.kid;
        }

        // Published at once, not yet signing: a relying party fetching the JWKS now learns the new key.
        const published = (await jwks()).map((k) => k.kid);
        assert.ok(published.includes(newKid) && published.includes(oldKid), 'both published');
        const rp = await client();
        const meanwhile = await signIn(rp, account.email);
        assert.equal(decodeProtectedHeader(meanwhile.tokens.id_token!).kid, oldKid);

        // Ten minutes later every process signs with the new key, without a restart; the relying
        // party verifies it with the key set it cached (openid-client fetches again only after 60 s).
        app.clock.advance((PREPUBLISH_SECONDS + 1) * 1000);
        const after = await signIn(rp, account.email);
        assert.equal(decodeProtectedHeader(after.tokens.id_token!).kid, newKid, 'the new key signs');
        assert.equal((await verify(before.tokens.id_token!)).payload.sub, account.id, 'old token still verifies');
        await verify(after.tokens.id_token!);
        // A refresh also signs its new ID token with the new key.
        const refreshed = await oidc.refreshTokenGrant(rp, meanwhile.tokens.refresh_token!);
        assert.equal(decodeProtectedHeader(refreshed.id_token!).kid, newKid);
        // The old token is still a valid id_token_hint: the logout page, not a refusal.
        const hint = (idToken: string, rpConfig = config) =>
          before.browser.get(
            oidc.buildEndSessionUrl(rpConfig, { id_token_hint: idToken, post_logout_redirect_uri: AFTER_LOGOUT }).href,
          );
        assert.equal((await hint(before.tokens.id_token!)).status, 200);

        // Every ID token the old key signed has expired: it is no longer published and its tokens
        // verify nowhere — not for a relying party, not as id_token_hint.
        app.clock.advance((RETIRED_KEY_SECONDS + 1) * 1000);
        const later = (await jwks()).map((k) => k.kid);
        assert.ok(!later.includes(oldKid), 'the old kid is gone');
        assert.ok(later.includes(newKid));
        await assert.rejects(verify(before.tokens.id_token!), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
        const refused = await hint(before.tokens.id_token!);
        assert.equal(refused.status, 400);
        assert.match(refused.body, /could not validate id_token_hint/);
        assert.equal((await hint(after.tokens.id_token!, rp)).status, 200, 'a token of the current key still is');
        await verify(after.tokens.id_token!);

        // The next rotation deletes the old key for good; --now makes the new one sign at once.
        const second = await rotateProviderKeys(app.lanyard.db, app.config.secretKeys, app.clock.now(), {
          immediately: true,
        });
        assert.ok(second.dropped.includes(oldKid));
        assert.equal(second.keys.find((k) => k.kid === newKid)?.state, 'retired');
        const third = await signIn(await client(), account.email);
        const thirdKid = decodeProtectedHeader(third.tokens.id_token!).kid;
        assert.equal(second.keys.find((k) => k.kid === thirdKid)?.state, 'current');
      });

      test('rotate-keys --compromised: the old keys are gone at once, their ID tokens verify nowhere; new ones sign', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('compromised'));
        const config = await client();
        const before = await signIn(config, account.email);
        const oldKid = decodeProtectedHeader(before.tokens.id_token!).kid!;

        let dropped: string[];
        if (backend === 'postgres') {
          const env = {
            LANYARD_DATABASE_URL: app.config.databaseUrl!,
            LANYARD_SECRET_KEY: TEST_SECRET,
            LANYARD_PUBLIC_URL: app.url,
            LANYARD_ORCID_ENV: 'off',
            LANYARD_REQUIRE_SMTP: 'false',
          };
          const both = await runLanyardCli(['oidc', 'rotate-keys', '--now', '--compromised'], env);
          assert.equal(both.code, 2);
          const run = await runLanyardCli(['oidc', 'rotate-keys', '--compromised'], env);
          assert.equal(run.code, 0, run.stderr);
          assert.match(run.stdout, /Deleted at once/);
          dropped = run.stdout.split('Deleted at once')[1]!.match(/[\w-]{36}/g) ?? [];
        } else {
          dropped = (
            await rotateProviderKeys(app.lanyard.db, app.config.secretKeys, app.clock.now(), { compromised: true })
          ).dropped;
        }
        assert.ok(dropped.includes(oldKid), dropped.join(' '));

        assert.ok(!(await jwks()).some((k) => k.kid === oldKid), 'gone from the JWKS at once');
        await assert.rejects(verify(before.tokens.id_token!), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
        const hint = await before.browser.get(
          oidc.buildEndSessionUrl(config, {
            id_token_hint: before.tokens.id_token!,
            post_logout_redirect_uri: AFTER_LOGOUT,
          }).href,
        );
        assert.equal(hint.status, 400);
        const after = await signIn(await client(), account.email);
        assert.notEqual(decodeProtectedHeader(after.tokens.id_token!).kid, oldKid);
        await verify(after.tokens.id_token!);
      });
    });
  });
}
