import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedAccount, signedInBrowser } from '../support/accounts.js';
import type { Page } from '../support/browser.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { routeTable } from '../support/route-table.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';

/**
 * A route's guards answer before its schema: someone without the right to a form learns that, not
 * what the form would accept. Every form of the operators' console and of the signed-in profile,
 * from the app's route table, is sent a body and path its schema refuses (every field and
 * parameter far too long), with a good CSRF token: a signed-in account without the admin role gets
 * 403 ADMIN_REQUIRED and a signed-out browser 401 AUTH_REQUIRED, never 400 VALIDATION_FAILED.
 */
forEachBackend(
  "guards come before a form's schema",
  (ctx) => {
    /** Too long for every parameter's schema, within the router's limit (200). */
    const longParam = 'x'.repeat(150);
    /** Every field a console or profile form has, each too long for its schema. */
    const badFields = Object.fromEntries(
      [
        'name',
        'redirect_uris',
        'auth',
        'duplicate',
        'email',
        'password',
        'current',
        'givenName',
        'familyName',
        'returnTo',
      ].map((f) => [f, 'x'.repeat(5000)]),
    );
    const fill = (path: string) => path.replace(/:\w+/g, longParam);
    /** The confirmation of a mailed email-change link is the link's own page, not a signed-in form. */
    const forms = (prefix: string) =>
      routeTable(ctx()).filter(
        (r) => r.method === 'POST' && r.path.startsWith(prefix) && r.path !== '/profile/email/:token',
      );

    const refused = (answer: Page, status: number, code: string, what: string) => {
      assert.equal(answer.status, status, `${what}: ${answer.status} ${answer.body.slice(0, 300)}`);
      assert.match(answer.body, new RegExp(`data-error-code="${code}"`), what);
    };

    test('the route table holds the console’s and the profile’s forms', () => {
      assert.ok(forms('/admin/').length >= 8, 'console forms');
      assert.ok(forms('/profile/').length >= 8, 'profile forms');
      assert.ok(forms('/admin/').some((r) => r.path === '/admin/clients'));
    });

    test('attack: a non-admin sending a console form a bad body is refused as a non-admin: 403 ADMIN_REQUIRED', async () => {
      const app = ctx();
      const mallory = await signedInBrowser(app, (await seedAccount(app.lanyard)).email);
      await mallory.get('/profile'); // a good CSRF token of Mallory's own
      await expectNoChange(app.lanyard.db, async () => {
        for (const { path } of forms('/admin/'))
          refused(await mallory.post(fill(path), badFields), 403, 'ADMIN_REQUIRED', `POST ${path}`);
        // A page of the console with a query its schema refuses, likewise.
        const page = await mallory.get(`/admin/audit?format=${'x'.repeat(50)}&action=${'x'.repeat(100)}`);
        refused(page, 403, 'ADMIN_REQUIRED', 'GET /admin/audit with a bad query');
      });
    });

    test('attack: a signed-out browser sending a console or profile form a bad body: 401 AUTH_REQUIRED; a console page: sent to sign in', async () => {
      const app = ctx();
      const anonymous = app.browser();
      await anonymous.get('/login'); // a good CSRF token, no session
      await expectNoChange(app.lanyard.db, async () => {
        for (const { path } of [...forms('/admin/'), ...forms('/profile/')])
          refused(await anonymous.post(fill(path), badFields), 401, 'AUTH_REQUIRED', `POST ${path}`);
        const page = await anonymous.get(`/admin/audit?format=${'x'.repeat(50)}`);
        assert.equal(page.status, 303);
        assert.match(page.location ?? '', /^\/login\?returnTo=%2Fadmin%2Faudit/);
      });
    });

    test('the admin with the same bad body is told what is wrong with it: 400 VALIDATION_FAILED', async () => {
      const app = ctx();
      const { updateAccount } = await import('../../src/stores/accounts.js');
      const seeded = await seedAccount(app.lanyard);
      await updateAccount(app.lanyard.db, seeded.id, { is_admin: true }, app.lanyard.clock.now());
      const admin = await signedInBrowser(app, seeded.email);
      await admin.get('/admin/clients');
      refused(await admin.post('/admin/clients', badFields), 400, 'VALIDATION_FAILED', 'POST /admin/clients');
    });
  },
  withOrcid,
);
