import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedAccount, signedInBrowser } from '../support/accounts.js';
import type { Browser, Page } from '../support/browser.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { type RouteEntry, routeTable } from '../support/route-table.js';
import { forEachBackend } from '../support/suite.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

/**
 * POST routes that are not page forms, each with what guards it instead of the form's `_csrf`.
 * Anything else a POST serves is a form of Lanyard's pages and must refuse a missing or wrong token.
 */
const notForms: { path: RegExp; why: string }[] = [
  { path: /^\/api\//, why: 'the REST API: the X-XSRF-TOKEN header for a session, JSON only (test/api/)' },
  { path: /^\/oidc($|\/|\*)/, why: 'the OpenID provider: client authentication, or its own xsrf field (end_session)' },
];

/** Every POST form of the pages, from the app's route table (a form added later is attacked too). */
const forms = (app: TestApp): RouteEntry[] =>
  routeTable(app).filter((r) => r.method === 'POST' && !notForms.some((n) => n.path.test(r.path)));

/** The route's path with something in every parameter (the guard answers before any is looked up). */
const fill = (path: string) => path.replace(/:(\w+)/g, (_m, name: string) => `${name}-${'0'.repeat(8)}`);

/** What a form's fields would be, without its `_csrf`: the refusal must not depend on them. */
const fields = { decision: 'allow', email: 'someone@example.org', password: 'x'.repeat(12), duplicate: 'x' };

const refusedAsCsrf = (answer: Page, what: string) => {
  assert.equal(answer.status, 403, `${what}: ${answer.status} ${answer.body.slice(0, 300)}`);
  assert.match(answer.body, /data-error-code="CSRF_FAILED"/, what);
};

/** A form post that sends no `_csrf`, whatever the browser's last page held. */
const postWithout = (b: Browser, url: string, form: Record<string, string>) =>
  b.request('POST', url, new URLSearchParams(form).toString(), {
    'content-type': 'application/x-www-form-urlencoded',
  });

forEachBackend(
  'every form refuses a missing or wrong CSRF token with 403 CSRF_FAILED',
  (ctx) => {
    test('the route table is read: it holds the forms the pages are known to have', () => {
      const found = forms(ctx()).map((r) => r.path);
      for (const known of [
        '/login',
        '/logout',
        '/profile/names',
        '/profile/identities/:id/unlink',
        '/profile/applications/:clientId/revoke',
        '/profile/link/orcid',
        '/external-login/:token/create',
        '/external-login/:token/email',
        '/review-account/:token',
        '/interaction/:uid/consent',
        '/interaction/:uid/another-account',
        '/admin/clients',
      ])
        assert.ok(found.includes(known), `${known} is missing from ${found.join(', ')}`);
    });

    test('attack: each form without _csrf, with no body at all, or with another browser’s token: 403 CSRF_FAILED, nothing changes', async () => {
      const app = ctx();
      const account = await seedAccount(app.lanyard);
      const signedIn = await signedInBrowser(app, account.email);
      await signedIn.get('/profile');
      const other = await signedInBrowser(app, (await seedAccount(app.lanyard)).email);
      await other.get('/profile');
      const foreign = other.lastCsrf!;
      assert.notEqual(foreign, signedIn.lastCsrf);
      const anonymous = app.browser();
      await anonymous.get('/login');
      await expectNoChange(app.lanyard.db, async () => {
        for (const { path } of forms(app)) {
          const url = fill(path);
          for (const [who, b] of [
            ['signed in', signedIn],
            ['signed out', anonymous],
          ] as const) {
            refusedAsCsrf(await postWithout(b, url, fields), `${who}: POST ${path} without _csrf`);
            refusedAsCsrf(await postWithout(b, url, {}), `${who}: POST ${path} with an empty form`);
            refusedAsCsrf(await b.request('POST', url), `${who}: POST ${path} with no body`);
            refusedAsCsrf(
              await b.post(url, { ...fields, _csrf: foreign }),
              `${who}: POST ${path} with another browser’s token`,
            );
          }
        }
      });
    });
  },
  withOrcid,
);
