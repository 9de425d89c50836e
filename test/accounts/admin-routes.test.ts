import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Account } from '../../src/db/schema.js';
import { createAccount, updateAccount } from '../../src/stores/accounts.js';
import { insertIdentity } from '../../src/stores/identities.js';
import { addOidcClient } from '../../src/stores/oidc-clients.js';
import { createRegistration } from '../../src/stores/registrations.js';
import { seedAccount, signedInBrowser } from '../support/accounts.js';
import type { Browser } from '../support/browser.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { routeTable } from '../support/route-table.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';

/** Every route of the operators' console, from the app's route table (a route added later is attacked too). */
const adminRoutes = (app: TestApp) =>
  routeTable(app).filter((r) => r.path === '/admin' || r.path.startsWith('/admin/'));

/** A form body that an admin with a fresh sign-in would have accepted, per POST route. */
const bodies = (ids: Ids): Record<string, Record<string, string>> => ({
  '/admin/clients': { name: 'Planted', redirect_uris: 'https://evil.example/cb', auth: 'client_secret_basic' },
  '/admin/accounts/:id/merge': { duplicate: ids.duplicate },
});

interface Ids {
  account: string;
  duplicate: string;
  registration: string;
  client: string;
}

/** The route's path with the ids filled in, and the query a page needs to show something. */
const fill = (path: string, ids: Ids, method = 'POST') =>
  path
    .replace(/^\/admin\/accounts\/:id/, `/admin/accounts/${ids.account}`)
    .replace(/^\/admin\/clients\/:id/, `/admin/clients/${ids.client}`)
    .replace(':registration', ids.registration) +
  (method !== 'POST' && path.endsWith('/merge') ? `?duplicate=${ids.duplicate}` : '');

/** Accounts, a registration in flight and a client for every route to act on. */
async function targets(app: TestApp): Promise<Ids> {
  const victim = await seedAccount(app.lanyard);
  // Signs in only through a provider, so it can be merged into the victim (one identity per provider).
  const now = app.lanyard.clock.now();
  const duplicate = await createAccount(
    app.lanyard.db,
    { email: `dup-${victim.id.slice(0, 8)}@example.org`, email_verified_at: now, locale: 'en' },
    now,
  );
  await insertIdentity(app.lanyard.db, duplicate.id, { provider: 'oidc-uni', subject: `dup-${duplicate.id}` }, now);
  const { registration } = await createRegistration(
    app.lanyard.db,
    { type: 'FORGOT', email: victim.email, accountId: victim.id },
    3600,
    app.lanyard.clock.now(),
  );
  const { client } = await addOidcClient(
    app.lanyard.db,
    { name: 'Repository', redirectUris: ['https://repo.example/cb'], auth: 'client_secret_basic' },
    new Date(),
  );
  return { account: victim.id, duplicate: duplicate.id, registration: registration.id, client: client.client_id };
}

async function admin(app: TestApp): Promise<{ account: Account; browser: Browser }> {
  const seeded = await seedAccount(app.lanyard);
  const account = await updateAccount(app.lanyard.db, seeded.id, { is_admin: true }, app.lanyard.clock.now());
  const browser = await signedInBrowser(app, account.email);
  assert.equal((await browser.get('/admin')).status, 200);
  return { account, browser };
}

const send = (browser: Browser, method: string, url: string, body: Record<string, string>) =>
  method === 'POST' ? browser.post(url, body) : browser.request(method, url);

forEachBackend("every route of the operators' console", (ctx) => {
  test('the route table is read: it holds the pages and forms the console is known to have', () => {
    const found = adminRoutes(ctx()).map((r) => `${r.method} ${r.path}`);
    for (const known of [
      'GET /admin',
      'HEAD /admin',
      'GET /admin/audit',
      'GET /admin/duplicates',
      'GET /admin/accounts/:id',
      'POST /admin/accounts/:id/disable',
      'GET /admin/accounts/:id/merge',
      'POST /admin/accounts/:id/merge',
      'POST /admin/accounts/:id/registrations/:registration/resend',
      'POST /admin/clients/:id/remove',
    ])
      assert.ok(found.includes(known), `${known} is missing from ${found.join(', ')}`);
  });

  test('attack: a signed-in account without the admin role gets 403 ADMIN_REQUIRED on every route, nothing changes', async () => {
    const app = ctx();
    const ids = await targets(app);
    const mallory = await signedInBrowser(app, (await seedAccount(app.lanyard)).email);
    await mallory.get('/profile'); // a valid CSRF token of Mallory's own, sent with every form
    await expectNoChange(app.lanyard.db, async () => {
      for (const { method, path } of adminRoutes(app)) {
        const url = fill(path, ids, method);
        const answer = await send(mallory, method, url, bodies(ids)[path] ?? {});
        assert.equal(answer.status, 403, `${method} ${url}`);
        if (method !== 'HEAD') assert.match(answer.body, /ADMIN_REQUIRED/, `${method} ${url}`);
        assert.doesNotMatch(answer.body, new RegExp(ids.client), `${method} ${url} shows the client`);
      }
    });
  });

  test('attack: a signed-out browser is sent to sign in from every page and refused every form, nothing changes', async () => {
    const app = ctx();
    const ids = await targets(app);
    const anonymous = app.browser();
    await anonymous.get('/login');
    await expectNoChange(app.lanyard.db, async () => {
      for (const { method, path } of adminRoutes(app)) {
        const url = fill(path, ids, method);
        const answer = await send(anonymous, method, url, bodies(ids)[path] ?? {});
        if (method === 'POST') assert.ok([401, 403].includes(answer.status), `${method} ${url}: ${answer.status}`);
        else {
          assert.equal(answer.status, 303, `${method} ${url}`);
          assert.equal(answer.location, `/login?returnTo=${encodeURIComponent(url)}`);
        }
      }
    });
  });

  test("attack: an admin's forms without a CSRF token, or with another browser's, are refused with CSRF_FAILED", async () => {
    const app = ctx();
    const ids = await targets(app);
    const { browser } = await admin(app);
    const other = await admin(app);
    await other.browser.get('/admin/clients');
    const foreign = other.browser.lastCsrf!;
    await browser.get('/admin/clients');
    assert.notEqual(browser.lastCsrf, foreign);
    const posts = adminRoutes(app).filter((r) => r.method === 'POST');
    assert.ok(posts.length >= 8, `only ${posts.length} forms found`);
    await expectNoChange(app.lanyard.db, async () => {
      for (const { path } of posts)
        for (const _csrf of ['', foreign]) {
          const url = fill(path, ids);
          const answer = await browser.post(url, { ...bodies(ids)[path], _csrf });
          assert.equal(answer.status, 403, `${url} with ${_csrf ? "another browser's token" : 'no token'}`);
          assert.match(answer.body, /CSRF_FAILED/, url);
          assert.doesNotMatch(answer.body, /data-secret/, url);
        }
    });
  });

  test('attack: every form with a sign-in older than the re-authentication window is sent to sign in again', async () => {
    const app = ctx();
    const ids = await targets(app);
    const { browser } = await admin(app);
    await browser.get('/admin/clients');
    app.clock.advance(app.config.reauthSeconds * 1000 + 1000);
    try {
      await expectNoChange(app.lanyard.db, async () => {
        for (const { method, path } of adminRoutes(app).filter((r) => r.method === 'POST')) {
          const url = fill(path, ids);
          const answer = await browser.post(url, bodies(ids)[path] ?? {});
          assert.equal(answer.status, 303, `${method} ${url}`);
          assert.match(answer.location ?? '', /^\/login\?reauth=1&returnTo=%2Fadmin/, url);
        }
      });
    } finally {
      app.clock.advance(-(app.config.reauthSeconds * 1000 + 1000));
    }
  });

  test('every form an admin sends is audited with the admin as the one who acted', async () => {
    const app = ctx();
    const { account: operator, browser } = await admin(app);
    const posts = adminRoutes(app).filter((r) => r.method === 'POST');
    for (const { path } of posts) {
      const ids = await targets(app); // each form acts on things of its own, untouched by the others
      const audited = () =>
        app.lanyard.db
          .selectFrom('audit_event')
          .select(['action', 'account_id'])
          .where('actor_account_id', '=', operator.id)
          .execute();
      const before = (await audited()).length;
      const url = fill(path, ids);
      const answer = await browser.post(url, bodies(ids)[path] ?? {});
      assert.ok([200, 303].includes(answer.status), `${url}: ${answer.status} ${answer.body.slice(0, 300)}`);
      assert.ok((await audited()).length > before, `${url} left no audit event with the admin as actor`);
    }
  });
});
