import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import type { Lanyard } from '../../src/lanyard.js';
import { hashToken } from '../../src/crypto/token.js';
import { updateAccount } from '../../src/stores/accounts.js';
import { findOidcClient } from '../../src/stores/oidc-clients.js';
import { seedAccount, signedInBrowser } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { countRows, expectNoChange } from '../support/db-snapshot.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { authorizationRequest, passwordSignIn, redeem, type RelyingParty } from '../support/op-client.js';
import type { TestApp } from '../support/test-app.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

/** An admin signed in, on the clients page (so its forms' CSRF token is known). */
async function operator(app: TestApp) {
  const seeded = await seedAccount(app.lanyard);
  const account = await updateAccount(app.lanyard.db, seeded.id, { is_admin: true }, app.lanyard.clock.now());
  const browser = await signedInBrowser(app, account.email);
  assert.equal((await browser.get('/admin/clients')).status, 200);
  return { account, browser };
}

const clientAudit = (lanyard: Lanyard, actor: string) =>
  lanyard.db
    .selectFrom('audit_event')
    .selectAll()
    .where('action', '=', 'admin_action')
    .where('actor_account_id', '=', actor)
    .execute();

/** The client id and secret the result page shows. */
function shown(body: string): { clientId: string; secret: string | null } {
  const clientId = body.match(/<code data-client-id>([^<]+)<\/code>/)?.[1];
  assert.ok(clientId, 'no client id on the page');
  return { clientId, secret: body.match(/<code data-secret>([^<]+)<\/code>/)?.[1] ?? null };
}

/** The relying party a repository would configure from what the page showed. */
async function relyingParty(app: TestApp & { url: string }, clientId: string, secret: string): Promise<RelyingParty> {
  const config = await oidc.discovery(new URL(`${app.url}/oidc`), clientId, undefined, oidc.ClientSecretBasic(secret), {
    execute: [oidc.allowInsecureRequests],
  });
  return { config, clientId, secret, redirect: REDIRECT };
}

/** A full authorization-code flow for a fresh person; returns the tokens. */
async function signInThrough(app: TestApp & { url: string }, rp: RelyingParty) {
  const person = await seedAccount(app.lanyard);
  const req = await authorizationRequest(rp);
  const b = new Browser(app.app, 'http://browser-origin.invalid');
  const tokens = await redeem(rp, await passwordSignIn(app, b, req.url, person.email, rp.redirect), req);
  return { person, tokens };
}

for (const backend of backends()) {
  describe(`operators' console: OpenID Connect clients [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend);
    });
    after(async () => app?.close());
    const opts = { skip: reason || false };

    test(
      'adding a client shows its secret once, stores only the hash, is audited, and signs people in',
      opts,
      async () => {
        const { account: admin, browser } = await operator(app);
        const name = `Repository ${Date.now()}`;
        const added = await browser.post('/admin/clients', {
          name,
          redirect_uris: `${REDIRECT}\nhttps://repo.example/callback`,
          auth: 'client_secret_basic',
        });
        assert.equal(added.status, 200, added.body.slice(0, 300));
        assert.equal(added.headers['cache-control'], 'no-store');
        const { clientId, secret } = shown(added.body);
        assert.ok(secret && secret.length >= 32);
        const stored = await findOidcClient(app.lanyard.db, clientId);
        assert.equal(stored?.client_name, name);
        assert.deepEqual(stored?.redirect_uris, [REDIRECT, 'https://repo.example/callback']);
        assert.equal(stored?.client_secret, hashToken(secret));
        assert.equal(stored?.lanyard_first_party, true);
        const rows = await app.lanyard.db.selectFrom('oidc_payload').select('payload').execute();
        assert.ok(!JSON.stringify(rows).includes(secret), 'the secret is stored in clear');
        const audits = await app.lanyard.db.selectFrom('audit_event').selectAll().execute();
        assert.ok(!JSON.stringify(audits).includes(secret), 'the secret is in the audit trail');
        const [audit] = (await clientAudit(app.lanyard, admin.id)).filter(
          (a) => (a.detail as { client_id?: string }).client_id === clientId,
        );
        assert.equal((audit?.detail as { oidcClient?: string }).oidcClient, 'added');

        const list = await browser.get('/admin/clients');
        assert.match(list.body, new RegExp(`data-client="${clientId}"`));
        assert.match(list.body, /repo\.example\/callback/);
        assert.doesNotMatch(list.body, new RegExp(secret), 'the list shows the secret');

        const { person, tokens } = await signInThrough(app, await relyingParty(app, clientId, secret));
        const info = await oidc.fetchUserInfo(
          await relyingParty(app, clientId, secret).then((rp) => rp.config),
          tokens.access_token,
          person.id,
        );
        assert.equal(info.sub, person.id);
      },
    );

    test('--consent and a public client are registered as the CLI would', opts, async () => {
      const { browser } = await operator(app);
      const asked = shown(
        (await browser.post('/admin/clients', { name: 'Asks', redirect_uris: REDIRECT, consent: 'yes' })).body,
      );
      assert.equal((await findOidcClient(app.lanyard.db, asked.clientId))?.lanyard_first_party, false);
      await browser.get('/admin/clients');
      const pub = await browser.post('/admin/clients', { name: 'SPA', redirect_uris: REDIRECT, auth: 'none' });
      const { clientId, secret } = shown(pub.body);
      assert.equal(secret, null);
      const stored = await findOidcClient(app.lanyard.db, clientId);
      assert.equal(stored?.token_endpoint_auth_method, 'none');
      assert.equal(stored?.lanyard_pkce, 'required');
    });

    test(
      'bad input is refused with 400 VALIDATION_FAILED as the CLI refuses it, and nothing is stored',
      opts,
      async () => {
        const { browser } = await operator(app);
        const cases: Record<string, string>[] = [
          { name: '  ', redirect_uris: REDIRECT },
          { name: 'X', redirect_uris: '' },
          { name: 'X', redirect_uris: 'http://repo.example/cb' },
          { name: 'X', redirect_uris: 'https://repo.example/cb#frag' },
          { name: 'X', redirect_uris: 'not a url' },
          { name: 'X', redirect_uris: `${REDIRECT}\nftp://repo.example/cb` },
          { name: 'X', redirect_uris: REDIRECT, auth: 'private_key_jwt' },
          // Attacks on exact matching: schemes that run in the page, wildcards, and URLs whose host
          // another URL parser (the repository's) reads differently from a browser.
          { name: 'X', redirect_uris: 'javascript:alert(document.cookie)//https://repo.example/cb' },
          { name: 'X', redirect_uris: 'data:text/html,<script>alert(1)</script>' },
          { name: 'X', redirect_uris: 'https://*.repo.example/cb' },
          { name: 'X', redirect_uris: 'https://repo.example/*' },
          { name: 'X', redirect_uris: 'https://repo.example\\@evil.example/cb' },
          { name: 'X', redirect_uris: 'https://repo.example@evil.example/cb' },
          { name: 'X', redirect_uris: 'https://user:secret@repo.example/cb' },
          { name: 'X', redirect_uris: 'http://127.1/cb' },
          { name: 'X', redirect_uris: 'HTTPS://REPO.EXAMPLE/cb' },
        ];
        await expectNoChange(app.lanyard.db, async () => {
          for (const body of cases) {
            const bad = await browser.post('/admin/clients', body);
            assert.equal(bad.status, 400, JSON.stringify(body));
            assert.match(bad.body, /VALIDATION_FAILED/, JSON.stringify(body));
            assert.doesNotMatch(bad.body, /data-secret/);
          }
        });
      },
    );

    test('a new secret is shown once; the old one stops working at once', opts, async () => {
      const { account: admin, browser } = await operator(app);
      const first = shown((await browser.post('/admin/clients', { name: 'Rotating', redirect_uris: REDIRECT })).body);
      await browser.get('/admin/clients');
      const rotated = await browser.post(`/admin/clients/${first.clientId}/rotate-secret`, {});
      assert.equal(rotated.status, 200, rotated.body.slice(0, 300));
      assert.equal(rotated.headers['cache-control'], 'no-store');
      const second = shown(rotated.body);
      assert.equal(second.clientId, first.clientId);
      assert.notEqual(second.secret, first.secret);
      assert.equal((await findOidcClient(app.lanyard.db, first.clientId))?.client_secret, hashToken(second.secret!));
      await signInThrough(app, await relyingParty(app, first.clientId, second.secret!));
      await assert.rejects(signInThrough(app, await relyingParty(app, first.clientId, first.secret!)));
      const kinds = (await clientAudit(app.lanyard, admin.id)).map(
        (a) => (a.detail as { oidcClient?: string }).oidcClient,
      );
      assert.deepEqual(kinds.sort(), ['added', 'secret_rotated']);
      await browser.get('/admin/clients');
      const missing = await browser.post('/admin/clients/no-such-client/rotate-secret', {});
      assert.equal(missing.status, 404);
    });

    test('removal asks first; then the client, its grants and tokens are gone and its token fails', opts, async () => {
      const { account: admin, browser } = await operator(app);
      const { clientId, secret } = shown(
        (await browser.post('/admin/clients', { name: 'Leaving', redirect_uris: REDIRECT })).body,
      );
      const rp = await relyingParty(app, clientId, secret!);
      const { person, tokens } = await signInThrough(app, rp);
      await oidc.fetchUserInfo(rp.config, tokens.access_token, person.id);
      const ofClient = async () =>
        (await app.lanyard.db.selectFrom('oidc_payload').select('payload').execute()).filter(
          (r) => (r.payload as { clientId?: string }).clientId === clientId,
        ).length;
      assert.ok((await ofClient()) >= 1);

      const confirm = await expectNoChange(app.lanyard.db, () => browser.get(`/admin/clients/${clientId}/remove`));
      assert.equal(confirm.status, 200);
      assert.match(confirm.body, new RegExp(`action="/admin/clients/${clientId}/remove"`));
      const removed = await browser.post(`/admin/clients/${clientId}/remove`, {});
      assert.equal(removed.status, 303);
      assert.equal(removed.location, '/admin/clients');
      assert.equal(await findOidcClient(app.lanyard.db, clientId), undefined);
      assert.equal(await ofClient(), 0, 'grants or tokens of the client are left');
      await assert.rejects(oidc.fetchUserInfo(rp.config, tokens.access_token, person.id));
      const kinds = (await clientAudit(app.lanyard, admin.id)).map(
        (a) => (a.detail as { oidcClient?: string }).oidcClient,
      );
      assert.deepEqual(kinds.sort(), ['added', 'removed']);
      assert.match((await browser.get('/admin/clients')).body, /Leaving/, 'the flash names the client');
      const again = await browser.post(`/admin/clients/${clientId}/remove`, {});
      assert.equal(again.status, 404);
      assert.equal(await countRows(app.lanyard.db, 'oidc_payload', ['id', clientId]), 0);
    });
  });
}
