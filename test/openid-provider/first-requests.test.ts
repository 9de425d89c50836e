import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../support/suite.js';

/**
 * oidc-provider loads with the provider's first request, not at start. The first requests of a
 * fresh process, made at once, must each be answered as any later one is: one provider is built
 * and serves them all.
 */
forEachBackend('the OpenID provider’s first requests', (ctx) => {
  test('requests made at once to a provider not built yet are each answered', async () => {
    const app = ctx().app;
    const paths = ['/oidc/.well-known/openid-configuration', '/oidc/jwks'];
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => app.inject({ method: 'GET', url: paths[i % 2]! })),
    );
    for (const res of answers) assert.equal(res.statusCode, 200, res.body);
    const issuers = new Set(answers.filter((_, i) => i % 2 === 0).map((r) => r.json<{ issuer: string }>().issuer));
    assert.equal(issuers.size, 1);
    const kids = new Set(
      answers
        .filter((_, i) => i % 2 === 1)
        .map((r) => JSON.stringify(r.json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid))),
    );
    assert.equal(kids.size, 1);
  });
});
