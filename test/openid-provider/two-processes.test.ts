import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { addOidcClient } from '../../src/stores/oidc-clients.js';
import { uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { skipReason } from '../support/databases.js';
import { LanyardProcess, runLanyardCli } from '../support/lanyard-process.js';
import { freePort } from '../support/listening-app.js';
import { authorizeWithPassword } from '../support/op-sign-in.js';
import { createPasswordAccount } from '../support/orcid.js';
import { createTestApp, TEST_SECRET, type TestApp } from '../support/test-app.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

/**
 * Two real Lanyard processes (`npm start`) on one PostgreSQL database, as behind a load balancer:
 * both have the same public URL, so the same issuer, and a client's requests land on either. PGlite
 * is an in-process database that one process opens at a time, so this runs on PostgreSQL only.
 */
describe('two Lanyard processes sharing one database serve one client', async () => {
  const reason = await skipReason('postgres');
  let setup: TestApp;
  let a: LanyardProcess;
  let b: LanyardProcess;
  let urlA: string;
  let urlB: string;
  let env: Record<string, string>;

  before(async () => {
    if (reason) return;
    const [portA, portB] = [await freePort(), await freePort()];
    urlA = `http://127.0.0.1:${portA}`;
    urlB = `http://127.0.0.1:${portB}`;
    // The test's own app only creates the database, the account and the client; it serves nothing.
    setup = await createTestApp('postgres', { LANYARD_PUBLIC_URL: urlA });
    env = {
      LANYARD_DATABASE_URL: setup.config.databaseUrl!,
      LANYARD_SECRET_KEY: TEST_SECRET,
      LANYARD_PUBLIC_URL: urlA,
      LANYARD_HOST: '127.0.0.1',
      LANYARD_ORCID_ENV: 'off',
      LANYARD_REQUIRE_SMTP: 'false',
      LANYARD_LOG_LEVEL: 'warn',
    };
    [a, b] = await Promise.all([
      LanyardProcess.start({ ...env, LANYARD_PORT: String(portA) }),
      LanyardProcess.start({ ...env, LANYARD_PORT: String(portB) }),
    ]);
  });
  after(async () => {
    await Promise.all([a?.stop('SIGKILL'), b?.stop('SIGKILL')]);
    await setup?.close();
  });

  describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
    /** The client at each process: discovery at A; B's token and userinfo endpoints under A's issuer. */
    async function clients() {
      const { client, secret } = await addOidcClient(
        setup.lanyard.db,
        { name: 'Balanced repository', redirectUris: [REDIRECT], auth: 'client_secret_basic' },
        new Date(),
      );
      const atA = await oidc.discovery(
        new URL(`${urlA}/oidc`),
        client.client_id,
        undefined,
        oidc.ClientSecretBasic(secret!),
        { execute: [oidc.allowInsecureRequests] },
      );
      const { supportsPKCE: _, ...meta } = atA.serverMetadata();
      const atB = new oidc.Configuration(
        { ...meta, token_endpoint: `${urlB}/oidc/token`, userinfo_endpoint: `${urlB}/oidc/me` },
        client.client_id,
        undefined,
        oidc.ClientSecretBasic(secret!),
      );
      oidc.allowInsecureRequests(atB);
      return { atA, atB };
    }

    const redeem = (config: oidc.Configuration, step: Awaited<ReturnType<typeof authorizeWithPassword>>) =>
      oidc.authorizationCodeGrant(config, step.callback, {
        pkceCodeVerifier: step.verifier,
        expectedNonce: step.nonce,
        idTokenExpected: true,
      });

    test('authorize and sign in at A, code at B, refresh at A, userinfo at B; a code redeemed at both at once works once', async () => {
      const account = await createPasswordAccount(setup, uniqueEmail('two'));
      const { atA, atB } = await clients();

      const step = await authorizeWithPassword(atA, account.email, REDIRECT, {
        browser: new Browser(null, urlA),
        scope: 'openid email',
      });
      const tokens = await redeem(atB, step);
      assert.equal(tokens.claims()!.sub, account.id);
      assert.equal(tokens.claims()!.iss, `${urlA}/oidc`);
      const refreshed = await oidc.refreshTokenGrant(atA, tokens.refresh_token!);
      assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token);
      const info = await oidc.fetchUserInfo(atB, refreshed.access_token, account.id);
      assert.equal(info.email, account.email);
      // The rotated-out refresh token, replayed at the other process: refused, and the grant is revoked.
      await assert.rejects(oidc.refreshTokenGrant(atB, tokens.refresh_token!), { error: 'invalid_grant' });
      await assert.rejects(oidc.fetchUserInfo(atA, refreshed.access_token, account.id));

      // One code, two redemptions racing on the two processes: exactly one gets tokens.
      const race = await authorizeWithPassword(atA, account.email, REDIRECT, {
        browser: new Browser(null, urlA),
      });
      const results = await Promise.allSettled([redeem(atA, race), redeem(atB, race)]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
      assert.equal((lost[0]!.reason as { error?: string }).error, 'invalid_grant');
    });

    test('rotate-keys --now while both run: each signs with the new key from its next request, without a restart', async () => {
      const account = await createPasswordAccount(setup, uniqueEmail('two-keys'));
      const { atA, atB } = await clients();
      const first = await redeem(
        atB,
        await authorizeWithPassword(atA, account.email, REDIRECT, { browser: new Browser(null, urlA) }),
      );
      const oldKid = decodeProtectedHeader(first.id_token!).kid;

      const run = await runLanyardCli(['oidc', 'rotate-keys', '--now', '--json'], env);
      assert.equal(run.code, 0, run.stderr);
      const { keys } = JSON.parse(run.stdout) as { keys: { kid: string; alg: string; state: string }[] };
      const newKid = keys.find((k) => k.alg === 'RS256' && k.state === 'current')!.kid;
      assert.notEqual(newKid, oldKid);

      // B issues an ID token from a code, A from a refresh: both with the new key.
      const second = await redeem(
        atB,
        await authorizeWithPassword(atA, account.email, REDIRECT, { browser: new Browser(null, urlA) }),
      );
      assert.equal(decodeProtectedHeader(second.id_token!).kid, newKid);
      const refreshed = await oidc.refreshTokenGrant(atA, second.refresh_token!);
      assert.equal(decodeProtectedHeader(refreshed.id_token!).kid, newKid);
      for (const url of [urlA, urlB]) {
        const published = ((await (await fetch(`${url}/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys;
        assert.ok(published.some((k) => k.kid === newKid) && published.some((k) => k.kid === oldKid), url);
      }
    });
  });
});
