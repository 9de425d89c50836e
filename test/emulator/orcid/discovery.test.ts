import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { BASE, createTestEmulator, type TestEmulator } from './helpers.js';

let emu: TestEmulator;
before(async () => {
  emu = await createTestEmulator();
});

test("§1.9.1 discovery is ORCID's Jackson-pretty document byte for byte, base substituted, issuer last", async () => {
  const res = await emu.app.inject('/.well-known/openid-configuration');
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  // The production document is 826 bytes; each of the five URLs changes by the base's length.
  assert.equal(Buffer.byteLength(res.body), 826 + 5 * (BASE.length - 'https://orcid.org'.length));
  assert.ok(!res.body.endsWith('\n'));
  assert.ok(res.body.includes('"token_endpoint_auth_methods_supported" : [ "client_secret_post" ]'));
  const doc = res.json();
  assert.deepEqual(Object.keys(doc).at(-1), 'issuer');
  assert.equal(doc.issuer, BASE);
  assert.equal(doc.authorization_endpoint, `${BASE}/oauth/authorize`);
  assert.equal(doc.jwks_uri, `${BASE}/oauth/jwks`);
});

test('§1.9.1 discovery advertises no PKCE, no revocation endpoint and no client_credentials', async () => {
  const doc = (await emu.app.inject('/.well-known/openid-configuration')).json();
  for (const absent of [
    'code_challenge_methods_supported',
    'revocation_endpoint',
    'introspection_endpoint',
    'end_session_endpoint',
  ]) {
    assert.ok(!(absent in doc), absent);
  }
  assert.deepEqual(doc.grant_types_supported, ['authorization_code', 'implicit', 'refresh_token']);
  assert.deepEqual(doc.scopes_supported, ['openid']);
});

test("§1.9.2 JWKS has one RSA signing key with a kid in ORCID's pattern and no alg", async () => {
  const res = await emu.app.inject('/oauth/jwks');
  const { keys } = res.json();
  assert.equal(keys.length, 1);
  assert.deepEqual(Object.keys(keys[0]), ['kty', 'e', 'use', 'kid', 'n']);
  assert.equal(keys[0].kty, 'RSA');
  assert.equal(keys[0].use, 'sig');
  assert.equal(keys[0].alg, undefined);
  assert.match(keys[0].kid, /^[a-z]+-orcid-org-[a-z0-9]{32}$/);
});

test('§1.9.4 discovery, JWKS and userinfo echo the Origin with credentials allowed (CORS)', async () => {
  for (const url of ['/.well-known/openid-configuration', '/oauth/jwks', '/oauth/userinfo']) {
    const res = await emu.app.inject({ url, headers: { origin: 'https://repo.example.org' } });
    assert.equal(res.headers['access-control-allow-origin'], 'https://repo.example.org', url);
    assert.equal(res.headers['access-control-allow-credentials'], 'true', url);
  }
});

test('§2.6 the token endpoint is deliberately not CORS-enabled', async () => {
  const res = await emu.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { origin: 'https://repo.example.org' },
  });
  assert.equal(res.headers['access-control-allow-origin'], undefined);
});
