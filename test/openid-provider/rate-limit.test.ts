import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

/**
 * The OpenID provider's server-to-server endpoints (token, userinfo, introspection, revocation, PAR)
 * answer at most LANYARD_RATE_OIDC_PER_MINUTE requests per minute and client address, each; the
 * browser's endpoints (discovery, authorization) are not counted.
 */
for (const backend of backends()) {
  describe(`OpenID provider rate limits [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend, { ...withOrcid, LANYARD_RATE_OIDC_PER_MINUTE: '3' });
    });
    after(async () => app?.close());

    const post = (path: string, form: Record<string, string>) =>
      fetch(`${app.url}/oidc${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form),
      });

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('the 4th request in a minute to each of token, userinfo, introspection, revocation, pushed authorization requests is 429 with Retry-After; discovery is not limited', async () => {
        const calls: [string, () => Promise<Response>][] = [
          ['/token', () => post('/token', { grant_type: 'authorization_code', code: 'guess', client_id: 'x' })],
          ['/me', () => fetch(`${app.url}/oidc/me`, { headers: { authorization: 'Bearer guess' } })],
          ['/token/introspection', () => post('/token/introspection', { token: 'guess', client_id: 'x' })],
          ['/token/revocation', () => post('/token/revocation', { token: 'guess', client_id: 'x' })],
          ['/request', () => post('/request', { client_id: 'x', response_type: 'code', scope: 'openid' })],
        ];
        for (const [path, call] of calls) {
          for (let i = 0; i < 3; i++) {
            const answer = await call();
            assert.ok([400, 401].includes(answer.status), `${path}: ${answer.status}`);
            assert.notEqual(
              ((await answer.json()) as { error?: string }).error,
              undefined,
              `${path}: the provider's own refusal`,
            );
          }
          const limited = await call();
          assert.equal(limited.status, 429, path);
          assert.ok(Number(limited.headers.get('retry-after')) > 0, `${path}: no Retry-After`);
          assert.equal(((await limited.json()) as { code?: string }).code, 'RATE_LIMITED');
        }
        for (let i = 0; i < 5; i++)
          assert.equal((await fetch(`${app.url}/oidc/.well-known/openid-configuration`)).status, 200);
      });

      test('attack: another spelling of a limited endpoint (case, trailing or double slash, an escape) is not served, so the limit cannot be walked around', async () => {
        for (const variant of [
          '/TOKEN',
          '/Token',
          '/token/',
          '//token',
          '/%74oken',
          '/ME',
          '/me/',
          '/token/Introspection',
          '/token/introspection/',
        ]) {
          const answer = await post(variant, { grant_type: 'authorization_code', code: 'guess', client_id: 'x' });
          // Not served (404), or routed to the exact endpoint and counted there (429: Fastify decodes
          // an escape before routing) — never the provider's own answer past the limit.
          assert.ok([404, 429].includes(answer.status), `${variant}: ${answer.status}`);
        }
      });
    });
  });
}
