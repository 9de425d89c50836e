import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends, skipReason } from '../support/databases.js';
import { createTestApp, PUBLIC_URL, type TestApp } from '../support/test-app.js';

const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint'];

/**
 * The provider's URLs are LANYARD_PUBLIC_URL's, whatever a request says. A client's
 * X-Forwarded-Host must not name the endpoints of a discovery document (a cache in front would
 * hand a poisoned copy to every repository, whose secrets and codes would then go elsewhere),
 * neither where no proxy is trusted, nor where the proxy is trusted but passes the header on.
 */
for (const backend of backends())
  for (const trustProxy of ['10.9.9.9', 'true'])
    describe(`the OpenID provider's own URLs, LANYARD_TRUST_PROXY=${trustProxy} [${backend}]`, async () => {
      const reason = await skipReason(backend);
      let app: TestApp;
      before(async () => {
        if (!reason) app = await createTestApp(backend, { LANYARD_TRUST_PROXY: trustProxy });
      });
      after(async () => app?.close());

      test(
        'attack: X-Forwarded-Host and -Proto from the client change no endpoint of the discovery document',
        { skip: reason || false },
        async () => {
          const res = await app.app.inject({
            method: 'GET',
            url: '/oidc/.well-known/openid-configuration',
            headers: {
              'x-forwarded-host': 'evil.example',
              'x-forwarded-proto': 'https',
              'x-forwarded-for': '203.0.113.9',
            },
          });
          assert.equal(res.statusCode, 200, res.body);
          const discovery = res.json<Record<string, string>>();
          assert.equal(discovery.issuer, `${PUBLIC_URL}/oidc`);
          for (const name of ENDPOINTS)
            assert.ok(discovery[name]!.startsWith(`${PUBLIC_URL}/oidc/`), `${name}: ${discovery[name]}`);
        },
      );

      test('the provider’s pages may not be framed', { skip: reason || false }, async () => {
        const res = await app.app.inject({ method: 'GET', url: '/oidc/auth?client_id=nobody' });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.headers['x-frame-options'], 'DENY');
        assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
      });
    });
