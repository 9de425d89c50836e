import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import type { Page } from '../support/browser.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';
import { ApiClient, openApiCheck } from './support/api-client.js';

const page = (status: number, body: unknown, type = 'application/json'): Page => {
  const text = body === undefined ? '' : JSON.stringify(body);
  return {
    status,
    url: '',
    location: undefined,
    headers: { 'content-type': type },
    body: text,
    json: () => JSON.parse(text),
  };
};

/** /api/openapi.json: served, complete, built from the validating schemas, and strict enough to catch a wrong answer. */
forEachBackend(
  'OpenAPI document',
  (ctx) => {
    test('GET /api/openapi.json is OpenAPI 3.1 and documents every API operation', async () => {
      const { doc } = await openApiCheck(ctx());
      assert.equal((doc as unknown as { openapi: string }).openapi, '3.1.0');
      const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      );
      assert.deepEqual(operations.sort(), [
        'DELETE /api/orcid/works/{externalIdType}/{externalId}',
        'GET /api',
        'GET /api/authn/orcid',
        'GET /api/authn/orcid/start',
        'GET /api/authn/status',
        'GET /api/eperson/epersons/{uuid}',
        'GET /api/eperson/registrations',
        'GET /api/eperson/registrations/search/findByToken',
        'GET /api/eperson/registrations/{id}',
        'GET /api/openapi.json',
        'GET /api/orcid/record',
        'GET /api/orcid/works',
        'GET /api/orcid/writes/{id}',
        'GET /api/security/csrf',
        'PATCH /api/eperson/epersons/{uuid}',
        'PATCH /api/eperson/registrations/{id}',
        'POST /api/authn/login',
        'POST /api/authn/logout',
        'POST /api/eperson/epersons',
        'POST /api/eperson/epersons/{uuid}',
        'POST /api/eperson/registrations',
        'PUT /api/orcid/works/{externalIdType}/{externalId}',
      ]);
    });

    test('the request schemas in the document are the ones the server validates with: same bodies accepted and refused', async () => {
      const { doc } = await openApiCheck(ctx());
      const op = doc.paths['/api/eperson/registrations']!.post as unknown as {
        requestBody: { content: Record<string, { schema: object }> };
      };
      const validate = new Ajv({ strict: false }).compile(op.requestBody.content['application/json']!.schema);
      const c = await ApiClient.for(ctx());
      const bodies = [
        { email: 'doc@openapi.example' },
        { email: 'doc2@openapi.example', netId: '0000-0002-1825-0097' },
        { email: 'x@openapi.example', extra: 1 },
        { email: 7 },
        {},
        { email: 'y@openapi.example', netId: 'n'.repeat(65) },
      ];
      for (const body of bodies) {
        const res = await c.post('/api/eperson/registrations?accountRequestType=register', { json: body });
        assert.equal(
          validate(body),
          res.status === 201,
          `${JSON.stringify(body)}: document says ${validate(body)}, server answered ${res.status}`,
        );
      }
    });

    test('the response check catches an undocumented status, a code the route does not send, and an extra field', async () => {
      const check = await openApiCheck(ctx());
      const problem = { type: 'about:blank', title: 'x', status: 401, code: 'TOKEN_EXPIRED' };
      check.check(
        'GET',
        '/api/eperson/registrations/search/findByToken',
        page(401, problem, 'application/problem+json'),
      );
      assert.throws(
        () =>
          check.check(
            'GET',
            '/api/eperson/registrations/search/findByToken',
            page(418, problem, 'application/problem+json'),
          ),
        /status 418 not documented/,
      );
      assert.throws(
        () =>
          check.check(
            'GET',
            '/api/eperson/registrations/search/findByToken',
            page(401, { ...problem, code: 'TOKEN_WRONG_TYPE' }, 'application/problem+json'),
          ),
        /does not match/,
      );
      assert.throws(
        () =>
          check.check(
            'GET',
            '/api/authn/status',
            page(200, { okay: true, authenticated: false, type: 'status', _links: { self: { href: 'x' } }, secret: 1 }),
          ),
        /does not match/,
      );
      assert.throws(() => check.check('GET', '/api/nowhere', page(200, {})), /path not in/);
    });
  },
  withOrcid,
);
