import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from '../support/browser.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';

const UI = 'https://ui.example.org';
const uuid = '6f1c2d6e-0000-4000-8000-000000000000';
const json = { accept: 'application/json' };

/** A 405 in the API's problem shape, with `Allow` and `details.allowed` naming exactly `allowed`. */
function assertNotAllowed(page: Page, allowed: string[]): void {
  assertRefused(page, 405, 'METHOD_NOT_ALLOWED');
  assert.equal(page.headers.allow, allowed.join(', '));
  assert.deepEqual(page.json<{ details: { allowed: string[] } }>().details.allowed, allowed);
}

/**
 * A path the API serves, called with a method it does not have, is 405 with `Allow` (RFC 9110
 * §15.5.6), as DSpace (Spring MVC) answers; a path it does not serve stays 404. The methods come
 * from the router, so every route is covered without declaring anything.
 */
forEachBackend(
  'API: a known path with a method it does not have → 405 METHOD_NOT_ALLOWED with Allow',
  (ctx) => {
    const unchanged = <T>(action: () => Promise<T>) => expectNoChange(ctx().lanyard.db, action);
    const call = (method: string, url: string, headers: Record<string, string> = json, body?: string) =>
      unchanged(() => ctx().browser().request(method, url, body, headers));

    test('the REST API: Allow lists the path’s methods, HEAD wherever GET is', async () => {
      assertNotAllowed(await call('POST', '/api/authn/status'), ['GET', 'HEAD', 'OPTIONS']);
      assertNotAllowed(await call('DELETE', '/api/authn/status?x=1'), ['GET', 'HEAD', 'OPTIONS']);
      assertNotAllowed(await call('GET', '/api/authn/login'), ['POST', 'OPTIONS']);
      // A HEAD answer has no body: the status and the header say it.
      const head = await call('HEAD', '/api/authn/login');
      assert.equal(head.status, 405);
      assert.equal(head.headers.allow, 'POST, OPTIONS');
      assert.equal(head.body, '');
      assertNotAllowed(await call('PUT', `/api/eperson/epersons/${uuid}?token=x`), [
        'GET',
        'HEAD',
        'POST',
        'PATCH',
        'OPTIONS',
      ]);
      // Its GET exists only to refuse (as DSpace's), so it is not offered.
      assertNotAllowed(await call('DELETE', `/api/eperson/registrations/${uuid}`), ['PATCH', 'OPTIONS']);
      assertNotAllowed(await call('POST', '/api/openapi.json'), ['GET', 'HEAD', 'OPTIONS']);
      assertNotAllowed(await call('POST', '/api'), ['GET', 'HEAD', 'OPTIONS']);
      // The ORCID callback is served by the pages' context; it is still an API path.
      assertNotAllowed(await call('POST', '/api/authn/orcid'), ['GET', 'HEAD', 'OPTIONS']);
    });

    test('the ORCID API: the same rule, before any credential is looked at', async () => {
      assertNotAllowed(await call('POST', '/api/orcid/works/doi/10.1234%2Fx'), ['PUT', 'DELETE', 'OPTIONS']);
      assertNotAllowed(await call('PATCH', '/api/orcid/works'), ['GET', 'HEAD', 'OPTIONS']);
      assertNotAllowed(await call('DELETE', `/api/orcid/writes/${uuid}`, { ...json, authorization: 'Bearer x' }), [
        'GET',
        'HEAD',
        'OPTIONS',
      ]);
    });

    test('a route that refuses a method itself (GET /api/eperson/registrations) names the ones it has', async () => {
      assertNotAllowed(await call('GET', '/api/eperson/registrations'), ['POST', 'OPTIONS']);
      assertNotAllowed(await call('GET', `/api/eperson/registrations/${uuid}`), ['PATCH', 'OPTIONS']);
    });

    test('unknown paths stay 404; the served methods answer as before', async () => {
      for (const method of ['GET', 'POST', 'DELETE'])
        assertRefused(await call(method, '/api/no-such-endpoint'), 404, 'NOT_FOUND');
      assertRefused(await call('POST', '/api/authn/status/more'), 404, 'NOT_FOUND');
      assert.equal((await call('GET', '/api/authn/status')).status, 200);
      const head = await call('HEAD', '/api/authn/status');
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
    });

    test('OPTIONS on a known path answers 204 with Allow (RFC 9110 §9.3.7); on an unknown one 404', async () => {
      const page = await call('OPTIONS', '/api/eperson/registrations');
      assert.equal(page.status, 204);
      assert.equal(page.headers.allow, 'POST, OPTIONS');
      assert.equal(page.body, '');
      assertRefused(await call('OPTIONS', '/api/no-such-endpoint'), 404, 'NOT_FOUND');
    });

    test('a CORS preflight is still answered by the CORS rule; the UI’s origin reads the 405 and its Allow', async () => {
      const preflight = await call('OPTIONS', '/api/authn/status', {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], UI);
      assert.equal(preflight.headers.allow, undefined);
      const refused = await call('POST', '/api/authn/status', { ...json, origin: UI });
      assertNotAllowed(refused, ['GET', 'HEAD', 'OPTIONS']);
      assert.equal(refused.headers['access-control-allow-origin'], UI);
      // `Allow` is not a CORS-safelisted response header: the UI's script reads it only when exposed.
      const exposed = String(refused.headers['access-control-expose-headers'] ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase());
      assert.ok(exposed.includes('allow'), `exposed: ${exposed.join(', ')}`);
      // Another origin is told nothing, Allow or not.
      const other = await call('POST', '/api/authn/status', { ...json, origin: 'https://elsewhere.example' });
      assert.equal(other.status, 405);
      assert.equal(other.headers['access-control-allow-origin'], undefined);
      assert.equal(other.headers['access-control-expose-headers'], undefined);
    });
  },
  { ...withOrcid, LANYARD_UI_URL: UI },
);
