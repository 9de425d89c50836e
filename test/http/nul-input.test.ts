import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedAccount, signedInBrowser, uniqueEmail } from '../support/accounts.js';
import type { Page } from '../support/browser.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { browserOn } from '../support/pages.js';
import { assertRefused } from '../support/refusals.js';
import { addOrcidUser, createAccountWithOrcid } from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

/** A refusal by the OpenID provider itself: its own 4xx JSON, never a 500. */
const assertClientError = (page: Page, what: string) =>
  assert.ok(page.status >= 400 && page.status < 500, `${what}: ${page.status} ${page.body.slice(0, 200)}`);

/**
 * U+0000 cannot be stored in a PostgreSQL text or jsonb value: a NUL that reached a query — in a
 * typed email, a name, a path parameter, a cookie, a client id or a token — failed the statement
 * and answered 500 (every page, for a session cookie of `%00.%00`). A request carrying one is now a
 * 400 before anything reads or writes, and the OpenID provider finds no code, token, client or
 * session by such a value (its own 4xx).
 */
forEachBackend('a NUL character (or a lone surrogate) anywhere in a request is a 4xx, never a 500', (ctx) => {
  const unchanged = <T>(action: () => Promise<T>) => expectNoChange(ctx().lanyard.db, action);

  test('pages and the API: form fields, JSON, path parameters and query → 400 VALIDATION_FAILED; such a cookie is ignored', async () => {
    const app = ctx();
    const anonymous = await browserOn(app, '/login');
    assertRefused(
      await unchanged(() => anonymous.post('/login', { email: 'a\u0000@example.org', password: 'x' })),
      400,
      'VALIDATION_FAILED',
    );
    assertRefused(await unchanged(() => anonymous.get('/login?returnTo=/%00')), 400, 'VALIDATION_FAILED');
    // A cookie with a NUL is no cookie Lanyard set: ignored (signed out), not a 500 nor a lock-out.
    anonymous.setCookie('lanyard-session', '%00.%00');
    const profile = await unchanged(() => anonymous.get('/profile'));
    assert.equal(profile.status, 302, profile.body.slice(0, 200));
    assert.equal((await unchanged(() => anonymous.get('/login'))).status, 200);

    const account = await seedAccount(app.lanyard);
    const owner = await signedInBrowser(app, account.email);
    await owner.get('/profile');
    assertRefused(
      await unchanged(() => owner.post('/profile/names', { givenName: 'A\u0000', familyName: 'B' })),
      400,
      'VALIDATION_FAILED',
    );
    assertRefused(await unchanged(() => owner.post('/profile/applications/%00/revoke', {})), 400, 'VALIDATION_FAILED');
    const api = { accept: 'application/json', 'content-type': 'application/json' };
    const xsrf = (await owner.get('/api/authn/status', { accept: 'application/json' })).headers[
      'dspace-xsrf-token'
    ] as string;
    assertRefused(
      await unchanged(() =>
        owner.request('POST', '/api/authn/login', JSON.stringify({ user: 'a\u0000@example.org', password: 'x' }), {
          ...api,
          'x-xsrf-token': xsrf,
        }),
      ),
      400,
      'VALIDATION_FAILED',
    );
  });

  test('the OpenID provider: a client id, cookie, code or token with a NUL is refused, not a server error', async () => {
    const app = ctx();
    const b = await browserOn(app, '/login');
    assertRefused(
      await unchanged(() => b.get('/oidc/auth?client_id=%00&response_type=code&scope=openid')),
      400,
      'VALIDATION_FAILED',
    );
    b.setCookie('_session', '%00');
    assertClientError(await unchanged(() => b.get('/oidc/auth?client_id=x&response_type=code')), 'session cookie');
    const token = (body: string, headers: Record<string, string> = {}) =>
      unchanged(() => b.request('POST', '/oidc/token', body, { ...form, accept: 'application/json', ...headers }));
    assertClientError(await token('grant_type=authorization_code&code=%00&client_id=%00'), 'code');
    assertClientError(
      await token('grant_type=refresh_token&refresh_token=%00', { authorization: basic('%00', 'x') }),
      'basic',
    );
    for (const path of ['/oidc/token/introspection', '/oidc/token/revocation'])
      assertClientError(
        await unchanged(() =>
          b.request('POST', path, 'token=%00', {
            ...form,
            accept: 'application/json',
            authorization: basic('%00', 'x'),
          }),
        ),
        path,
      );
  });
});

/**
 * JSON may spell half a surrogate pair (`"\ud800"`); PostgreSQL's jsonb refuses it, so a work's title
 * holding one failed the statement (500, PostgreSQL only). Refused like a NUL, nothing queued.
 */
forEachBackend(
  'a lone surrogate in a JSON body is a 400, never a 500',
  (ctx) => {
    test('a work pushed by the researcher with a lone surrogate in its title → 400 VALIDATION_FAILED', async () => {
      const app = ctx();
      const email = uniqueEmail('works');
      const orcid = addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }] });
      const b = app.browser();
      await createAccountWithOrcid(b, orcid);
      const json = { accept: 'application/json' };
      const xsrf = (await b.get('/api/authn/status', json)).headers['dspace-xsrf-token'] as string;
      const put = (title: string) =>
        b.request(
          'PUT',
          '/api/orcid/works/doi/10.5555%2Fsurrogate.1',
          `{"title":"${title}","type":"journal-article","publicationDate":{"year":"2024"}}`,
          { ...json, 'content-type': 'application/json', 'x-xsrf-token': xsrf },
        );
      for (const title of ['A \\ud800 title', 'A \\udc00 title', 'A \\u0000 title'])
        assertRefused(await expectNoChange(app.lanyard.db, () => put(title)), 400, 'VALIDATION_FAILED');
      // A whole pair is a character like any other.
      assert.equal((await put('A \\ud83d\\ude00 title')).status, 202);
    });
  },
  { ...withOrcid, LANYARD_ORCID_SCOPES: 'openid /read-limited /activities/update' },
);
