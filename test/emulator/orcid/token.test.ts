import assert from 'node:assert/strict';
import { before, beforeEach, test } from 'node:test';
import {
  createTestEmulator,
  exchange,
  getCode,
  MEMBER,
  postForm,
  PUBLIC,
  REDIRECT_URI,
  signIn,
  USERS,
  type TestEmulator,
} from './helpers.js';

let emu: TestEmulator;
before(async () => {
  emu = await createTestEmulator();
});
beforeEach(() => emu.state.reset());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("§1.4 the code exchange answers ORCID's exact fields in ORCID's order", async () => {
  const res = await exchange(emu.app, await getCode(emu.app));
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.deepEqual(Object.keys(body), [
    'access_token',
    'token_type',
    'refresh_token',
    'expires_in',
    'scope',
    'name',
    'orcid',
  ]);
  assert.match(body.access_token, UUID);
  assert.match(body.refresh_token, UUID);
  assert.equal(body.token_type, 'bearer');
  assert.equal(body.scope, '/authenticate');
  assert.equal(body.name, 'Josiah Carberry');
  assert.equal(body.orcid, USERS.publicEmail);
});

test('§1.4 expires_in is 631138518 (≈20 years), one second under the configured validity', async () => {
  assert.equal((await signIn(emu.app)).expires_in, 631138518);
});

test('§1.4 token responses carry Cache-Control: no-store and Pragma: no-cache', async () => {
  const res = await exchange(emu.app, await getCode(emu.app));
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers.pragma, 'no-cache');
});

test('§1.4 name is "" (not null) when the name is not public', async () => {
  const body = await signIn(emu.app, { login_as: USERS.noPublicName });
  assert.equal(body.name, '');
});

test('§1.4 name is the credit name when public and set', async () => {
  assert.equal((await signIn(emu.app, { login_as: USERS.creditName })).name, 'Sofía García-López');
});

test('§1.4 orcid is the bare iD, never a URI', async () => {
  assert.equal((await signIn(emu.app, { login_as: USERS.endsInX })).orcid, '0000-0002-1694-233X');
});

test('§1.4 id_token is present only when openid was granted, and comes last', async () => {
  assert.equal((await signIn(emu.app, { scope: '/authenticate' })).id_token, undefined);
  assert.equal((await signIn(emu.app, { scope: '/read-limited' })).id_token, undefined);
  const body = await signIn(emu.app, { scope: 'openid' });
  assert.equal(typeof body.id_token, 'string');
  assert.equal(Object.keys(body).at(-1), 'id_token');
});

test('§1.4 a JSON body gets 415 text/html "Content-Type \'application/json\' is not supported."', async () => {
  const res = await emu.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ grant_type: 'client_credentials', ...MEMBER }),
  });
  assert.equal(res.statusCode, 415);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.equal(res.body, "Content-Type 'application/json' is not supported.");
});

test('§1.4 client authentication with Authorization: Basic works as well as client_secret_post', async () => {
  const basic = Buffer.from(`${MEMBER.clientId}:${MEMBER.clientSecret}`).toString('base64');
  const res = await postForm(
    emu.app,
    '/oauth/token',
    {
      grant_type: 'authorization_code',
      code: await getCode(emu.app),
      redirect_uri: REDIRECT_URI,
    },
    { authorization: `Basic ${basic}` },
  );
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().orcid, USERS.publicEmail);
});

test('§1.4 the token endpoint also answers under the Member and Public API bases', async () => {
  for (const base of ['/member-api', '/pub-api']) {
    const res = await postForm(emu.app, `${base}/oauth/token`, {
      ...clientFields(),
      grant_type: 'client_credentials',
      scope: '/read-public',
    });
    assert.equal(res.statusCode, 200, base);
  }
});

test('§1.4 codes are single-use: reuse is invalid_grant "Reused authorization code" and revokes the issued tokens', async () => {
  const code = await getCode(emu.app);
  const first = (await exchange(emu.app, code)).json();
  const again = await exchange(emu.app, code);
  assert.equal(again.statusCode, 400);
  assert.deepEqual(again.json(), { error: 'invalid_grant', error_description: `Reused authorization code: ${code}` });
  const userinfo = await emu.app.inject({
    url: '/oauth/userinfo',
    headers: { authorization: `Bearer ${first.access_token}` },
  });
  assert.equal(userinfo.statusCode, 403, "the first exchange's access token is revoked");
  const refresh = await postForm(emu.app, '/oauth/token', {
    ...clientFields(),
    grant_type: 'refresh_token',
    refresh_token: first.refresh_token,
  });
  assert.equal(refresh.statusCode, 400, 'and its refresh token too');
});

test('§1.4 redirect_uri at exchange must equal the authorize-time value', async () => {
  const wrong = await exchange(emu.app, await getCode(emu.app), { redirect_uri: `${REDIRECT_URI}/other` });
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(wrong.json(), {
    error: 'invalid_grant',
    error_description: 'One of the provided parameters is invalid, or, the provided token/code is invalid or expired',
  });
  const missing = await postForm(emu.app, '/oauth/token', {
    ...clientFields(),
    grant_type: 'authorization_code',
    code: await getCode(emu.app),
  });
  assert.equal(missing.statusCode, 400);
});

test('§1.4 a code issued to another client cannot be exchanged', async () => {
  const code = await getCode(emu.app);
  const res = await postForm(emu.app, '/oauth/token', {
    client_id: PUBLIC.clientId,
    client_secret: PUBLIC.clientSecret,
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
  });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error, 'invalid_grant');
});

test("§1.4 code_verifier is ignored (ORCID's proxy does not forward it): no PKCE check", async () => {
  const code = await getCode(emu.app, { code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
  assert.equal((await exchange(emu.app, code, { code_verifier: 'wrong' })).statusCode, 200);
});

test('§1.5 an unknown code is 400 invalid_grant "Invalid authorization code: <code>"', async () => {
  const res = await exchange(emu.app, 'Zz9Zz9');
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), { error: 'invalid_grant', error_description: 'Invalid authorization code: Zz9Zz9' });
});

test('§1.5 an expired code is 400 invalid_grant "Invalid authorization code" (lifetime 10 minutes)', async () => {
  const code = await getCode(emu.app);
  emu.state.advanceClock(10 * 60 * 1000 + 1);
  const res = await exchange(emu.app, code);
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error_description, `Invalid authorization code: ${code}`);
});

test('§1.5 a wrong client secret is 401 invalid_client, error_description first', async () => {
  const res = await exchange(emu.app, await getCode(emu.app), { client_secret: 'nope' });
  assert.equal(res.statusCode, 401);
  assert.equal(res.body, '{"error_description":"Client authentication failed","error":"invalid_client"}');
  assert.equal(res.headers['www-authenticate'], undefined);
});

test('§1.5 a missing grant_type is 400 unsupported_grant_type "grant_type is missing"', async () => {
  const res = await postForm(emu.app, '/oauth/token', clientFields());
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), { error: 'unsupported_grant_type', error_description: 'grant_type is missing' });
});

test('§1.5 a missing client_id or client_secret is 401 invalid_request "<name> is required"', async () => {
  const noId = await postForm(emu.app, '/oauth/token', { grant_type: 'client_credentials', client_secret: 'x' });
  assert.equal(noId.statusCode, 401);
  assert.deepEqual(noId.json(), { error: 'invalid_request', error_description: 'client_id is required' });
  const noSecret = await postForm(emu.app, '/oauth/token', {
    grant_type: 'client_credentials',
    client_id: MEMBER.clientId,
  });
  assert.deepEqual(noSecret.json(), { error: 'invalid_request', error_description: 'client_secret is required' });
});

test('§1.5 a missing refresh_token is 401 invalid_request "refresh_token is required"', async () => {
  const res = await postForm(emu.app, '/oauth/token', { ...clientFields(), grant_type: 'refresh_token' });
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().error_description, 'refresh_token is required');
});

test('§1.6 refresh issues a new access and refresh token, revokes the old pair, keeps the expiry, no id_token', async () => {
  const first = await signIn(emu.app, { scope: 'openid /read-limited' });
  emu.state.advanceClock(5000);
  const res = await postForm(emu.app, '/oauth/token', {
    ...clientFields(),
    grant_type: 'refresh_token',
    refresh_token: first.refresh_token,
  });
  assert.equal(res.statusCode, 200);
  const next = res.json();
  assert.notEqual(next.access_token, first.access_token);
  assert.notEqual(next.refresh_token, first.refresh_token);
  assert.equal(next.id_token, undefined);
  assert.equal(next.expires_in, first.expires_in - 5);
  assert.equal(next.scope, 'openid /read-limited');
  assert.equal(next.orcid, USERS.publicEmail);
  const old = await emu.app.inject({
    url: '/oauth/userinfo',
    headers: { authorization: `Bearer ${first.access_token}` },
  });
  assert.equal(old.statusCode, 403);
});

test('§1.6 refresh may narrow the scope to a subset, but not widen it', async () => {
  const first = await signIn(emu.app, { scope: 'openid /read-limited' });
  const narrow = await postForm(emu.app, '/oauth/token', {
    ...clientFields(),
    grant_type: 'refresh_token',
    refresh_token: first.refresh_token,
    scope: 'openid',
  });
  assert.equal(narrow.json().scope, 'openid');
  const wide = await postForm(emu.app, '/oauth/token', {
    ...clientFields(),
    grant_type: 'refresh_token',
    refresh_token: narrow.json().refresh_token,
    scope: 'openid /activities/update',
  });
  assert.equal(wide.statusCode, 400);
  assert.equal(wide.json().error, 'invalid_scope');
});

test('§1.6 an unknown refresh token is 400 invalid_grant "Invalid refresh token: <token>"', async () => {
  const res = await postForm(emu.app, '/oauth/token', {
    ...clientFields(),
    grant_type: 'refresh_token',
    refresh_token: 'nope',
  });
  assert.deepEqual(res.json(), { error: 'invalid_grant', error_description: 'Invalid refresh token: nope' });
});

test('§1.4 client_credentials gets /read-public with "orcid":null and no name key', async () => {
  const res = await postForm(emu.app, '/oauth/token', {
    ...clientFields(),
    grant_type: 'client_credentials',
    scope: '/read-public',
  });
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['access_token', 'token_type', 'refresh_token', 'expires_in', 'scope', 'orcid']);
  assert.equal(body.orcid, null);
  assert.equal(body.scope, '/read-public');
  assert.equal(body.expires_in, 631138518);
});

test('§1.3 client_credentials silently drops 3-legged scopes', async () => {
  const res = await postForm(emu.app, '/oauth/token', {
    ...clientFields(),
    grant_type: 'client_credentials',
    scope: '/read-public /read-limited openid',
  });
  assert.equal(res.json().scope, '/read-public');
});

function clientFields() {
  return { client_id: MEMBER.clientId, client_secret: MEMBER.clientSecret };
}
