import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectNoChange } from '../support/db-snapshot.js';
import { createPasswordAccount } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';
import { ApiClient, mailedToken, orcidRegistration } from './support/api-client.js';

let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now().toString(36)}@media.example`;

/**
 * docs/security.md "The API reads JSON only": a cross-site HTML form can send only a form,
 * multipart or text/plain body; none of them may make a browser ask for register or reset mails,
 * or use a registration token.
 */
forEachBackend(
  'the REST API refuses bodies a cross-site form can send (415)',
  (ctx) => {
    const formBodies = (email: string) => [
      { type: 'application/x-www-form-urlencoded', body: new URLSearchParams({ email }).toString() },
      {
        type: 'multipart/form-data; boundary=x',
        body: `--x\r\nContent-Disposition: form-data; name="email"\r\n\r\n${email}\r\n--x--\r\n`,
      },
      { type: 'text/plain', body: JSON.stringify({ email }) },
    ];

    test('POST /api/eperson/registrations as a form, multipart or text/plain: 415, no mail, nothing changed', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, unique('forgot'));
      const c = await ApiClient.for(app);
      for (const type of ['register', 'forgot'])
        for (const { type: contentType, body } of formBodies(account.email)) {
          const page = await expectNoChange(app.lanyard.db, () =>
            c.post(`/api/eperson/registrations?accountRequestType=${type}`, {
              body,
              headers: { 'content-type': contentType },
            }),
          );
          assertRefused(page, 415, 'UNSUPPORTED_MEDIA_TYPE');
        }
      // The same request as JSON is accepted and mails the owner.
      const json = await c.post('/api/eperson/registrations?accountRequestType=forgot', {
        json: { email: account.email },
      });
      assert.equal(json.status, 201);
      await app.mail.waitFor(account.email);
    });

    test('create and PATCH with a registration token refuse a form body; authn/login still takes DSpace’s form', async () => {
      const app = ctx();
      const c = await ApiClient.for(app);
      const email = unique('form-create');
      const { token, registration } = await orcidRegistration(c, {
        emails: [{ email, visibility: 'public', verified: true }],
      });
      const form = {
        body: new URLSearchParams({ email }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      };
      await expectNoChange(app.lanyard.db, async () => {
        assertRefused(await c.post(`/api/eperson/epersons?token=${token}`, form), 415, 'UNSUPPORTED_MEDIA_TYPE');
        assertRefused(
          await c.request('PATCH', `/api/eperson/registrations/${registration.id}?token=${token}`, form),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        );
      });
      const account = await createPasswordAccount(app, unique('login'));
      assert.equal((await c.login(account.email)).status, 200, 'authn/login takes a form, as DSpace’s UI sends it');
    });

    test('merge and logout take no body: a form, multipart, text/plain or XML one is 415 before anything happens', async () => {
      const app = ctx();
      const c = await ApiClient.for(app);
      const account = await createPasswordAccount(app, unique('merge'));
      const { token, registration } = await orcidRegistration(c);
      assert.equal((await c.patchEmail(registration.id, token, 'add', [account.email])).status, 204);
      const validation = await mailedToken(app, account.email, '/review-account/');
      const merge = `/api/eperson/epersons/${account.id}?token=${validation}&override=email`;
      const bodies = [...formBodies(account.email), { type: 'application/xml', body: '<merge/>' }];
      await expectNoChange(app.lanyard.db, async () => {
        for (const { type, body } of bodies)
          for (const url of [merge, '/api/authn/logout']) {
            const page = await c.post(url, { body, headers: { 'content-type': type } });
            assertRefused(page, 415, 'UNSUPPORTED_MEDIA_TYPE');
          }
        // Logout's body is ignored when it is JSON; JSON it must be (each answer checked against the document).
        assertRefused(
          await c.post('/api/authn/logout', { body: '{"', headers: { 'content-type': 'application/json' } }),
          400,
          'VALIDATION_FAILED',
        );
        assertRefused(
          await c.post('/api/authn/logout', { json: { pad: 'x'.repeat(65 * 1024) } }),
          413,
          'BODY_TOO_LARGE',
        );
      });
      // As DSpace's UI sends them: no body with its JSON content type, and logout's `{}`.
      const merged = await c.post(merge, { headers: { 'content-type': 'application/json; charset=utf-8' } });
      assert.equal(merged.status, 201, merged.body);
      assert.equal((await c.post('/api/authn/logout', { json: {} })).status, 204);
      assert.equal((await c.post('/api/authn/logout')).status, 204, 'no body, no content type');
    });
  },
  withOrcid,
);
