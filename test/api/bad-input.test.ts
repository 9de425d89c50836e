import { test } from 'node:test';
import type { ErrorCode } from '../../src/errors.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';
import { ApiClient, orcidRegistration } from './support/api-client.js';

const huge = 'a'.repeat(65 * 1024);
const uuid = '6f1c2d6e-0000-4000-8000-000000000000';

/**
 * docs/design.md: bad input of any kind gets a 4xx with a stable code — never a 500 — and changes
 * nothing. Each case names its request; every answer is also checked against /api/openapi.json.
 */
forEachBackend(
  'API bad input → 4xx with a stable code, nothing changed',
  (ctx) => {
    const json = (value: unknown) => ({
      body: typeof value === 'string' ? value : JSON.stringify(value),
      headers: { 'content-type': 'application/json' },
    });
    const jsonPatch = (value: unknown) => ({
      body: typeof value === 'string' ? value : JSON.stringify(value),
      headers: { 'content-type': 'application/json-patch+json' },
    });

    test('every route refuses unknown fields, wrong types, huge bodies, over-long tokens and bad UUIDs', async () => {
      const c = await ApiClient.for(ctx());
      await c.status();
      const { token, registration } = await orcidRegistration(c);
      const id = registration.id;
      const email = [{ op: 'add', path: '/email', value: 'x@bad.example' }];
      const cases: [string, string, string, object, number, ErrorCode][] = [
        // POST /registrations
        [
          'unknown field',
          'POST',
          '/api/eperson/registrations?accountRequestType=register',
          json({ email: 'a@bad.example', admin: true }),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'email of the wrong type',
          'POST',
          '/api/eperson/registrations?accountRequestType=register',
          json({ email: 42 }),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'an array for a body',
          'POST',
          '/api/eperson/registrations?accountRequestType=register',
          json([{ email: 'a@bad.example' }]),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'malformed JSON',
          'POST',
          '/api/eperson/registrations?accountRequestType=register',
          json('{"email":'),
          400,
          'VALIDATION_FAILED',
        ],
        [
          '__proto__ in JSON',
          'POST',
          '/api/eperson/registrations?accountRequestType=register',
          json('{"email":"a@bad.example","__proto__":{"x":1}}'),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'unknown query parameter',
          'POST',
          '/api/eperson/registrations?accountRequestType=register&debug=1',
          json({ email: 'a@bad.example' }),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'a 65 KiB body',
          'POST',
          '/api/eperson/registrations?accountRequestType=register',
          json({ email: huge }),
          413,
          'BODY_TOO_LARGE',
        ],
        [
          'XML',
          'POST',
          '/api/eperson/registrations?accountRequestType=register',
          { body: '<email/>', headers: { 'content-type': 'application/xml' } },
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        ],
        // findByToken
        [
          'over-long token',
          'GET',
          `/api/eperson/registrations/search/findByToken?token=${'t'.repeat(65)}`,
          {},
          400,
          'VALIDATION_FAILED',
        ],
        [
          'token given twice',
          'GET',
          `/api/eperson/registrations/search/findByToken?token=${token}&token=${token}`,
          {},
          400,
          'VALIDATION_FAILED',
        ],
        // PATCH /registrations/{id}
        [
          'bad UUID',
          'PATCH',
          `/api/eperson/registrations/12?token=${token}`,
          jsonPatch(email),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'over-long token',
          'PATCH',
          `/api/eperson/registrations/${id}?token=${'t'.repeat(65)}`,
          jsonPatch(email),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'unknown field in the operation',
          'PATCH',
          `/api/eperson/registrations/${id}?token=${token}`,
          jsonPatch([{ ...email[0], from: '/x' }]),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'another path',
          'PATCH',
          `/api/eperson/registrations/${id}?token=${token}`,
          jsonPatch([{ op: 'replace', path: '/netId', value: 'x' }]),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'another op',
          'PATCH',
          `/api/eperson/registrations/${id}?token=${token}`,
          jsonPatch([{ op: 'remove', path: '/email' }]),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'two operations',
          'PATCH',
          `/api/eperson/registrations/${id}?token=${token}`,
          jsonPatch([...email, ...email]),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'no operation',
          'PATCH',
          `/api/eperson/registrations/${id}?token=${token}`,
          jsonPatch([]),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'a value of the wrong type',
          'PATCH',
          `/api/eperson/registrations/${id}?token=${token}`,
          jsonPatch([{ op: 'add', path: '/email', value: { email: 'x' } }]),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'two values',
          'PATCH',
          `/api/eperson/registrations/${id}?token=${token}`,
          jsonPatch([{ op: 'add', path: '/email', value: ['a@bad.example', 'b@bad.example'] }]),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'a 65 KiB JSON Patch',
          'PATCH',
          `/api/eperson/registrations/${id}?token=${token}`,
          jsonPatch([{ op: 'add', path: '/email', value: huge }]),
          413,
          'BODY_TOO_LARGE',
        ],
        [
          'text/plain',
          'PATCH',
          `/api/eperson/registrations/${id}?token=${token}`,
          { body: 'x@bad.example', headers: { 'content-type': 'text/plain' } },
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        ],
        [
          'XML',
          'PATCH',
          `/api/eperson/registrations/${id}?token=${token}`,
          { body: '<email/>', headers: { 'content-type': 'application/xml' } },
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        ],
        // POST /epersons?token=
        [
          'unknown field',
          'POST',
          `/api/eperson/epersons?token=${token}`,
          json({ isAdmin: true }),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'canLogIn false',
          'POST',
          `/api/eperson/epersons?token=${token}`,
          json({ canLogIn: false }),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'metadata of the wrong shape',
          'POST',
          `/api/eperson/epersons?token=${token}`,
          json({ metadata: { 'eperson.firstname': 'Ada' } }),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'unknown field in a metadata value',
          'POST',
          `/api/eperson/epersons?token=${token}`,
          json({ metadata: { 'eperson.firstname': [{ value: 'Ada', securityLevel: 0 }] } }),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'over-long token',
          'POST',
          `/api/eperson/epersons?token=${'t'.repeat(65)}`,
          json({}),
          400,
          'VALIDATION_FAILED',
        ],
        ['a 65 KiB body', 'POST', `/api/eperson/epersons?token=${token}`, json({ email: huge }), 413, 'BODY_TOO_LARGE'],
        // POST /epersons/{uuid}
        ['bad UUID', 'POST', `/api/eperson/epersons/not-a-uuid?token=${token}`, {}, 400, 'VALIDATION_FAILED'],
        [
          'over-long token',
          'POST',
          `/api/eperson/epersons/${uuid}?token=${'t'.repeat(65)}`,
          {},
          400,
          'VALIDATION_FAILED',
        ],
        [
          'over-long override',
          'POST',
          `/api/eperson/epersons/${uuid}?token=${token}&override=${'o'.repeat(201)}`,
          {},
          400,
          'VALIDATION_FAILED',
        ],
        [
          'eleven overrides',
          'POST',
          `/api/eperson/epersons/${uuid}?token=${token}${'&override=email'.repeat(11)}`,
          {},
          400,
          'VALIDATION_FAILED',
        ],
        [
          'an unknown override',
          'POST',
          `/api/eperson/epersons/${uuid}?token=${token}&override=eperson.password`,
          {},
          400,
          'OVERRIDE_UNKNOWN_FIELD',
        ],
        [
          'a prototype name as override',
          'POST',
          `/api/eperson/epersons/${uuid}?token=${token}&override=__proto__`,
          {},
          400,
          'OVERRIDE_UNKNOWN_FIELD',
        ],
        // GET /epersons/{uuid}, authn
        ['bad UUID', 'GET', '/api/eperson/epersons/1', {}, 400, 'VALIDATION_FAILED'],
        [
          'login: unknown field',
          'POST',
          '/api/authn/login',
          json({ user: 'a@bad.example', password: 'x', remember: true }),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'login: over-long password',
          'POST',
          '/api/authn/login',
          json({ user: 'a@bad.example', password: 'p'.repeat(4097) }),
          400,
          'VALIDATION_FAILED',
        ],
        [
          'orcid start: unknown parameter',
          'GET',
          '/api/authn/orcid/start?returnTo=/profile',
          {},
          400,
          'VALIDATION_FAILED',
        ],
      ];
      for (const [name, method, url, opts, status, code] of cases) {
        const res = await expectNoChange(ctx().lanyard.db, () => c.request(method, url, opts));
        try {
          assertRefused(res, status, code);
        } catch (e) {
          throw new Error(`${method} ${url.slice(0, 80)} (${name}): ${(e as Error).message}`);
        }
      }
    });
  },
  withOrcid,
);
