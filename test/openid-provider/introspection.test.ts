import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { addOidcClient } from '../../src/stores/oidc-clients.js';
import { uniqueEmail } from '../support/accounts.js';
import { backends, skipReason } from '../support/databases.js';
import { runLanyardCli } from '../support/lanyard-process.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { signInWithPassword } from '../support/op-sign-in.js';
import { createPasswordAccount } from '../support/orcid.js';
import { TEST_SECRET, type TestApp, withOrcid } from '../support/test-app.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

/**
 * Token introspection (RFC 7662) at /oidc/token/introspection: a resource server registered as one
 * (`clients add --resource-server`) learns whether an access token is active and whose it is; every
 * other caller is refused the same way whatever the token (no oracle for guessing tokens).
 */
for (const backend of backends()) {
  describe(`OpenID provider introspection [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend, withOrcid);
    });
    after(async () => app?.close());

    async function configFor(clientId: string, secret: string) {
      return oidc.discovery(new URL(`${app.url}/oidc`), clientId, undefined, oidc.ClientSecretBasic(secret), {
        execute: [oidc.allowInsecureRequests],
      });
    }

    async function client(opts: { resourceServer?: boolean; redirect?: boolean } = {}) {
      const { client, secret } = await addOidcClient(
        app.lanyard.db,
        {
          name: opts.resourceServer ? 'Repository API' : 'Repository',
          redirectUris: opts.redirect === false ? [] : [REDIRECT],
          auth: 'client_secret_basic',
          resourceServer: opts.resourceServer,
        },
        new Date(),
      );
      return { config: await configFor(client.client_id, secret!), clientId: client.client_id, secret: secret! };
    }

    /** A raw introspection request, as an attacker would send it. */
    async function introspect(token: string, headers: Record<string, string> = {}, extra: Record<string, string> = {}) {
      const response = await fetch(`${app.url}/oidc/token/introspection`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ token, ...extra }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }
    const basic = (id: string, secret: string) => ({
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
    });

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('a resource server introspects an access token: active, whose and for which client; revoked or expired → active: false', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('introspect'));
        const rp = await client();
        const api = await client({ resourceServer: true, redirect: false });
        assert.equal(rp.config.serverMetadata().introspection_endpoint, `${app.url}/oidc/token/introspection`);
        const { tokens } = await signInWithPassword(rp.config, account.email, REDIRECT);

        const active = await oidc.tokenIntrospection(api.config, tokens.access_token);
        assert.equal(active.active, true);
        assert.equal(active.sub, account.id);
        assert.equal(active.client_id, rp.clientId);
        assert.match(String(active.scope), /\bopenid\b/);
        assert.equal(active.iss, `${app.url}/oidc`);
        // Another client's refresh token is not the resource server's business.
        assert.equal((await oidc.tokenIntrospection(api.config, tokens.refresh_token!)).active, false);
        assert.equal((await oidc.tokenIntrospection(api.config, 'not-a-token')).active, false);

        await oidc.tokenRevocation(rp.config, tokens.access_token);
        assert.deepEqual(await oidc.tokenIntrospection(api.config, tokens.access_token), { active: false });

        const second = await signInWithPassword(rp.config, account.email, REDIRECT);
        assert.equal((await oidc.tokenIntrospection(api.config, second.tokens.access_token)).active, true);
        app.clock.advance(3601_000);
        assert.deepEqual(await oidc.tokenIntrospection(api.config, second.tokens.access_token), { active: false });
      });

      test('attacks: an ordinary client, no credentials, a wrong secret learn nothing about a token', async () => {
        const account = await createPasswordAccount(app, uniqueEmail('introspect-attack'));
        const rp = await client();
        const other = await client();
        const api = await client({ resourceServer: true, redirect: false });
        const { tokens } = await signInWithPassword(rp.config, account.email, REDIRECT);

        // An ordinary client (the token's own, or another): refused, for a live token exactly as for garbage.
        for (const caller of [other, rp]) {
          for (const token of [tokens.access_token, 'garbage-token']) {
            const refused = await introspect(token, basic(caller.clientId, caller.secret));
            assert.equal(refused.status, 400, JSON.stringify(refused.body));
            assert.equal(refused.body.error, 'unauthorized_client');
            assert.match(String(refused.body.error_description), /--resource-server/);
            assert.equal(refused.body.active, undefined);
          }
        }
        // Through openid-client too: the error, not an answer.
        await assert.rejects(oidc.tokenIntrospection(other.config, tokens.access_token), {
          error: 'unauthorized_client',
        });

        const anonymous = await introspect(tokens.access_token);
        assert.equal(anonymous.body.error, 'invalid_request');
        assert.equal(anonymous.body.active, undefined);
        const named = await introspect(tokens.access_token, {}, { client_id: api.clientId });
        assert.equal(named.status, 401);
        assert.equal(named.body.error, 'invalid_client');
        const wrong = await introspect(tokens.access_token, basic(api.clientId, `${api.secret}x`));
        assert.equal(wrong.status, 401);
        assert.equal(wrong.body.error, 'invalid_client');
        assert.equal(wrong.body.active, undefined);

        // The resource server with its right secret still gets the answer.
        const right = await introspect(tokens.access_token, basic(api.clientId, api.secret));
        assert.equal(right.status, 200);
        assert.equal(right.body.active, true);
      });

      if (backend === 'postgres')
        test('npx lanyard clients add --resource-server: no redirect URI needed, no public resource server; its secret introspects', async () => {
          const env = {
            LANYARD_DATABASE_URL: app.config.databaseUrl!,
            LANYARD_SECRET_KEY: TEST_SECRET,
            LANYARD_PUBLIC_URL: app.url,
            LANYARD_ORCID_ENV: 'off',
            LANYARD_REQUIRE_SMTP: 'false',
          };
          const plain = await runLanyardCli(['clients', 'add', '--name=API'], env);
          assert.equal(plain.code, 2);
          assert.match(plain.stderr, /missing --redirect-uri \(only a --resource-server may have none\)/);
          const pub = await runLanyardCli(['clients', 'add', '--name=API', '--resource-server', '--auth=none'], env);
          assert.equal(pub.code, 2);
          assert.match(pub.stderr, /authenticates with a secret/);
          const add = await runLanyardCli(['clients', 'add', '--name=API', '--resource-server', '--json'], env);
          assert.equal(add.code, 0, add.stderr);
          const { client_id, client_secret } = JSON.parse(add.stdout) as { client_id: string; client_secret: string };
          const show = await runLanyardCli(['clients', 'show', client_id, '--json'], env);
          assert.equal(JSON.parse(show.stdout).resource_server, true);

          const account = await createPasswordAccount(app, uniqueEmail('introspect-cli'));
          const rp = await client();
          const { tokens } = await signInWithPassword(rp.config, account.email, REDIRECT);
          const answer = await oidc.tokenIntrospection(await configFor(client_id, client_secret), tokens.access_token);
          assert.equal(answer.active, true);
          assert.equal(answer.sub, account.id);
        });
    });
  });
}
