import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ErrorCode } from '../../src/errors.js';
import { uniqueEmail } from '../support/accounts.js';
import { Browser, type Page } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { authorizationRequest, redeem, registerRelyingParty, untilClient } from '../support/op-client.js';
import { addOrcidUser, createAccountWithOrcid, createPasswordAccount, signInWithOrcid } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { type TestApp, withOrcid } from '../support/test-app.js';
import { waitUntil } from '../support/wait.js';
import { ApiClient, openApiCheck } from '../api/support/api-client.js';
import type { OpenApiCheck } from '../api/support/openapi-check.js';

/**
 * The ORCID API (`/api/orcid/…`) against its contract: every answer a repository or a researcher's
 * session can get — accepted, refused, or failed — is one /api/openapi.json documents (status, media
 * type, body, and the refusal's `code`), bad input of every kind is a 4xx with a stable code, and a
 * refused call changes nothing in the database. All over real HTTP, with real access tokens of
 * Lanyard's OpenID provider and the ORCID emulator behind it.
 */
for (const backend of backends()) {
  describe(`ORCID API contract [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    let check: OpenApiCheck;
    before(async () => {
      if (reason) return;
      app = await createListeningTestApp(backend, {
        ...withOrcid,
        LANYARD_ORCID_SCOPES: 'openid /read-limited /activities/update',
      });
      check = await openApiCheck(app);
    });
    after(async () => app?.close());

    /** A researcher whose account was made by signing in with ORCID, and a repository's token for them. */
    async function researcherWithToken(scope = 'openid orcid.works') {
      const orcid = addOrcidUser(app, {
        emails: [{ email: uniqueEmail('contract'), visibility: 'public', verified: true }],
      });
      await createAccountWithOrcid(new Browser(app.app, app.url), orcid);
      const rp = await registerRelyingParty(app, { name: 'Contract repository' });
      const b = new Browser(app.app, 'http://browser-origin.invalid');
      const req = await authorizationRequest(rp, { scope });
      const login = await b.follow(await b.get(req.url.href));
      const returnTo = new URL(login.url).searchParams.get('returnTo')!;
      const back = await signInWithOrcid(b, orcid, { startPath: `${app.url}/login/orcid`, returnTo });
      const tokens = await redeem(rp, await untilClient(b, back, rp.redirect, { allowConsent: true }), req);
      return { orcid, token: tokens.access_token };
    }

    interface Call {
      body?: string;
      type?: string;
      authorization?: string | null;
    }

    /** One call over HTTP, its answer checked against the document. */
    async function call(method: string, path: string, opts: Call = {}): Promise<Page> {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (opts.authorization) headers.authorization = opts.authorization;
      if (opts.type) headers['content-type'] = opts.type;
      const res = await fetch(`${app.url}${path}`, { method, headers, body: opts.body });
      const body = await res.text();
      const page: Page = {
        status: res.status,
        url: res.url,
        location: res.headers.get('location') ?? undefined,
        headers: Object.fromEntries(res.headers),
        body,
        json: () => JSON.parse(body),
      };
      check.check(method, new URL(path, app.url).pathname, page);
      return page;
    }

    const work = { title: 'On the Analytical Engine', type: 'journal-article' };
    const json = (value: unknown) => ({
      body: typeof value === 'string' ? value : JSON.stringify(value),
      type: 'application/json',
    });

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('bad input and bad credentials: a documented 4xx with a stable code, nothing changed', async () => {
        const { token } = await researcherWithToken();
        const { token: openidOnly } = await researcherWithToken('openid');
        const bearer = `Bearer ${token}`;
        const put = '/api/orcid/works/doi/10.5555%2Fcontract.1';
        const cases: [string, string, string, Call, number, ErrorCode][] = [
          ['no credentials', 'GET', '/api/orcid/works', {}, 401, 'AUTH_REQUIRED'],
          ['no credentials', 'GET', '/api/orcid/record', {}, 401, 'AUTH_REQUIRED'],
          ['no credentials', 'PUT', put, { ...json(work) }, 401, 'AUTH_REQUIRED'],
          [
            'an unknown token',
            'GET',
            '/api/orcid/works',
            { authorization: 'Bearer nope' },
            401,
            'ACCESS_TOKEN_INVALID',
          ],
          [
            'a token too long to be one',
            'GET',
            '/api/orcid/works',
            { authorization: `Bearer ${'a'.repeat(4096)}` },
            401,
            'ACCESS_TOKEN_INVALID',
          ],
          [
            'a token without orcid.works',
            'PUT',
            put,
            { ...json(work), authorization: `Bearer ${openidOnly}` },
            403,
            'ACCESS_TOKEN_SCOPE',
          ],
          [
            'a token without orcid.works',
            'GET',
            '/api/orcid/record',
            { authorization: `Bearer ${openidOnly}` },
            403,
            'ACCESS_TOKEN_SCOPE',
          ],
          [
            'unknown query parameter',
            'GET',
            '/api/orcid/works?clientId=other',
            { authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          [
            'unknown query parameter',
            'GET',
            '/api/orcid/record?orcid=0000-0002-1825-0097',
            { authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          [
            'unknown query parameter',
            'PUT',
            `${put}?dryRun=true`,
            { ...json(work), authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          ['unknown query parameter', 'DELETE', `${put}?force=1`, { authorization: bearer }, 400, 'VALIDATION_FAILED'],
          [
            'unknown query parameter',
            'GET',
            '/api/orcid/writes/6f1c2d6e-0000-4000-8000-000000000000?all=1',
            { authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          ['malformed JSON', 'PUT', put, { ...json('{"title":'), authorization: bearer }, 400, 'VALIDATION_FAILED'],
          ['no body', 'PUT', put, { type: 'application/json', authorization: bearer }, 400, 'VALIDATION_FAILED'],
          ['an array', 'PUT', put, { ...json([work]), authorization: bearer }, 400, 'VALIDATION_FAILED'],
          [
            'unknown field',
            'PUT',
            put,
            { ...json({ ...work, putCode: 1 }), authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          [
            'missing title',
            'PUT',
            put,
            { ...json({ type: 'journal-article' }), authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          [
            'title of the wrong type',
            'PUT',
            put,
            { ...json({ ...work, title: 7 }), authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          [
            'unknown work type',
            'PUT',
            put,
            { ...json({ ...work, type: 'tweet' }), authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          [
            'a year as a number',
            'PUT',
            put,
            { ...json({ ...work, publicationDate: { year: 2024 } }), authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          [
            'a javascript: URL',
            'PUT',
            put,
            { ...json({ ...work, url: 'javascript:alert(1)' }), authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          [
            '51 external ids',
            'PUT',
            put,
            {
              ...json({ ...work, externalIds: Array(51).fill({ type: 'doi', value: 'x', relationship: 'self' }) }),
              authorization: bearer,
            },
            400,
            'VALIDATION_FAILED',
          ],
          [
            'a NUL in the title',
            'PUT',
            put,
            { ...json({ ...work, title: 'a\u0000' }), authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          [
            'unknown external id type',
            'PUT',
            '/api/orcid/works/tweet/1',
            { ...json(work), authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          [
            'a blank external id',
            'PUT',
            '/api/orcid/works/doi/%20',
            { ...json(work), authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          [
            'an over-long external id',
            'PUT',
            `/api/orcid/works/doi/${'1'.repeat(501)}`,
            { ...json(work), authorization: bearer },
            400,
            'VALIDATION_FAILED',
          ],
          [
            'a body over 64 KiB',
            'PUT',
            put,
            { ...json('x'.repeat(65 * 1024)), authorization: bearer },
            413,
            'BODY_TOO_LARGE',
          ],
          [
            'a form',
            'PUT',
            put,
            { body: 'title=x', type: 'application/x-www-form-urlencoded', authorization: bearer },
            415,
            'UNSUPPORTED_MEDIA_TYPE',
          ],
          [
            'text/plain',
            'PUT',
            put,
            { body: JSON.stringify(work), type: 'text/plain', authorization: bearer },
            415,
            'UNSUPPORTED_MEDIA_TYPE',
          ],
          ['a work never pushed', 'DELETE', put, { authorization: bearer }, 404, 'NOT_FOUND'],
          [
            'a delete with a form body',
            'DELETE',
            put,
            { body: 'force=1', type: 'application/x-www-form-urlencoded', authorization: bearer },
            415,
            'UNSUPPORTED_MEDIA_TYPE',
          ],
          [
            'a delete with a body over 64 KiB',
            'DELETE',
            put,
            { ...json({ pad: 'x'.repeat(65 * 1024) }), authorization: bearer },
            413,
            'BODY_TOO_LARGE',
          ],
          ['a malformed write id', 'GET', '/api/orcid/writes/42', { authorization: bearer }, 400, 'VALIDATION_FAILED'],
          [
            'an unknown write',
            'GET',
            '/api/orcid/writes/6f1c2d6e-0000-4000-8000-000000000000',
            { authorization: bearer },
            404,
            'NOT_FOUND',
          ],
        ];
        for (const [name, method, path, opts, status, code] of cases) {
          const page = await expectNoChange(app.lanyard.db, () => call(method, path, opts));
          assert.doesNotThrow(() => assertRefused(page, status, code), `${name}: ${method} ${path}`);
          if (status === 401) {
            // RFC 9110 §15.5.2: a 401 names the way to authenticate; RFC 6750 §3: Bearer, with the scope.
            const challenge = String(page.headers['www-authenticate'] ?? '');
            assert.match(challenge, /^Bearer /, `${name}: ${method} ${path} — WWW-Authenticate "${challenge}"`);
          }
        }
      });

      test('accepted answers match the document: push, list, the write, the record, delete', async () => {
        const { token } = await researcherWithToken();
        const authorization = `Bearer ${token}`;
        const path = '/api/orcid/works/doi/10.5555%2Fcontract.2';
        const pushed = await call('PUT', path, {
          ...json({ ...work, publicationDate: { year: '2024' } }),
          authorization,
        });
        assert.equal(pushed.status, 202, pushed.body);
        const id = pushed.json<{ id: string }>().id;
        await waitUntil(async () => {
          await app.lanyard.orcidWrites.deliverDue();
          return (await call('GET', `/api/orcid/writes/${id}`, { authorization })).json().state === 'delivered';
        }, `write ${id}`);
        const list = await call('GET', '/api/orcid/works', { authorization });
        assert.equal(list.status, 200);
        assert.equal(
          list.json().works[0].putCode,
          (await call('GET', `/api/orcid/writes/${id}`, { authorization })).json().putCode,
        );
        const record = await call('GET', '/api/orcid/record', { authorization });
        assert.equal(record.status, 200, record.body);
        assert.equal((await call('DELETE', path, { authorization })).status, 202);
      });

      test('a session: writes need X-XSRF-TOKEN; an account without ORCID is told so', async () => {
        const { orcid } = await researcherWithToken();
        const client = () => new ApiClient(app, check, new Browser(app.app, app.url));
        const c = client();
        const back = await c.orcidSignIn(orcid);
        assert.equal(back.status, 303, back.body);
        await c.status();
        const path = '/api/orcid/works/doi/10.5555%2Fcontract.3';
        const forged = await expectNoChange(app.lanyard.db, () => c.request('PUT', path, { json: work, csrf: false }));
        assertRefused(forged, 403, 'CSRF_FAILED');
        assert.equal((await c.request('PUT', path, { json: work })).status, 202);

        const email = uniqueEmail('no-orcid');
        await createPasswordAccount(app, email);
        const other = client();
        assert.equal((await other.login(email)).status, 200);
        for (const [method, url, json] of [
          ['PUT', path, work],
          ['GET', '/api/orcid/record', undefined],
        ] as const) {
          const page = await expectNoChange(app.lanyard.db, () => other.request(method, url, { json }));
          assertRefused(page, 409, 'ORCID_NOT_LINKED');
        }
      });
    });
  });
}
