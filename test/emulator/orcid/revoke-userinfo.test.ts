import assert from 'node:assert/strict';
import { before, beforeEach, test } from 'node:test';
import { BASE, createTestEmulator, MEMBER, postForm, PUBLIC, signIn, USERS, type TestEmulator } from './helpers.js';

let emu: TestEmulator;
before(async () => {
  emu = await createTestEmulator();
});
beforeEach(() => emu.state.reset());

const userinfo = (token: string) =>
  emu.app.inject({ url: '/oauth/userinfo', headers: { authorization: `Bearer ${token}` } });
const revoke = (token: string, client = MEMBER) =>
  postForm(emu.app, '/oauth/revoke', { client_id: client.clientId, client_secret: client.clientSecret, token });

test('§1.7 revoke answers 200 with an empty body and the access token stops working', async () => {
  const tokens = await signIn(emu.app);
  const res = await revoke(tokens.access_token);
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, '');
  assert.equal((await userinfo(tokens.access_token)).statusCode, 403);
});

test('§1.7 revoking the access token also removes its refresh token', async () => {
  const tokens = await signIn(emu.app);
  await revoke(tokens.access_token);
  const res = await postForm(emu.app, '/oauth/token', {
    client_id: MEMBER.clientId,
    client_secret: MEMBER.clientSecret,
    grant_type: 'refresh_token',
    refresh_token: tokens.refresh_token,
  });
  assert.equal(res.statusCode, 400);
});

test('§1.7 revoking the refresh token also kills its access token', async () => {
  const tokens = await signIn(emu.app);
  await revoke(tokens.refresh_token);
  assert.equal((await userinfo(tokens.access_token)).statusCode, 403);
});

test('§1.7 revoke accepts Basic client authentication and rejects a bad secret with 401', async () => {
  const tokens = await signIn(emu.app);
  const bad = await revoke(tokens.access_token, { ...MEMBER, clientSecret: 'wrong' });
  assert.equal(bad.statusCode, 401);
  const basic = Buffer.from(`${MEMBER.clientId}:${MEMBER.clientSecret}`).toString('base64');
  const ok = await postForm(
    emu.app,
    '/oauth/revoke',
    { token: tokens.access_token },
    { authorization: `Basic ${basic}` },
  );
  assert.equal(ok.statusCode, 200);
  assert.equal((await userinfo(tokens.access_token)).statusCode, 403);
});

test('§1.7 a missing token is refused with "Please provide the token to be param"', async () => {
  const res = await postForm(emu.app, '/oauth/revoke', {
    client_id: MEMBER.clientId,
    client_secret: MEMBER.clientSecret,
  });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error_description, 'Please provide the token to be param');
});

test('§1.7 another client cannot revoke a token it was not issued', async () => {
  const tokens = await signIn(emu.app);
  assert.equal((await revoke(tokens.access_token, PUBLIC)).statusCode, 200);
  assert.equal((await userinfo(tokens.access_token)).statusCode, 200);
});

test('§1.9.4 userinfo answers id, sub and the name claims, with nulls serialized', async () => {
  const res = await userinfo((await signIn(emu.app)).access_token);
  assert.equal(res.statusCode, 200);
  assert.equal(
    res.body,
    `{"id":"${BASE}/${USERS.publicEmail}","sub":"${USERS.publicEmail}","name":null,"family_name":"Carberry","given_name":"Josiah"}`,
  );
});

test('§1.9.4 userinfo for a user without a public name has all name claims null', async () => {
  const body = (await userinfo((await signIn(emu.app, { login_as: USERS.noPublicName })).access_token)).json();
  assert.deepEqual(body, {
    id: `${BASE}/${USERS.noPublicName}`,
    sub: USERS.noPublicName,
    name: null,
    family_name: null,
    given_name: null,
  });
});

test('§1.9.4 an invalid token gets 403 access_denied with a hyphenated error-description and no WWW-Authenticate', async () => {
  const res = await userinfo('00000000-0000-4000-8000-000000000000');
  assert.equal(res.statusCode, 403);
  assert.equal(res.body, '{"error":"access_denied","error-description":"access_token is invalid"}');
  assert.equal(res.headers['www-authenticate'], undefined);
  assert.equal((await emu.app.inject('/oauth/userinfo')).statusCode, 403, 'no token at all: the same 403');
});

test('§1.9.4 a token without /authenticate or openid (e.g. /read-limited alone) is refused with the 403', async () => {
  const tokens = await signIn(emu.app, { scope: '/read-limited' });
  assert.equal((await userinfo(tokens.access_token)).statusCode, 403);
  const cc = await postForm(emu.app, '/oauth/token', {
    client_id: MEMBER.clientId,
    client_secret: MEMBER.clientSecret,
    grant_type: 'client_credentials',
  });
  assert.equal((await userinfo(cc.json().access_token)).statusCode, 403);
});

test('§1.9.4 POST userinfo reads an access_token parameter before the header; a lower-case "bearer" works', async () => {
  const tokens = await signIn(emu.app, { scope: 'openid' });
  const post = await postForm(
    emu.app,
    '/oauth/userinfo',
    { access_token: tokens.access_token },
    { authorization: 'Bearer invalid' },
  );
  assert.equal(post.statusCode, 200);
  const lower = await emu.app.inject({
    url: '/oauth/userinfo',
    headers: { authorization: `bearer ${tokens.access_token}` },
  });
  assert.equal(lower.json().sub, USERS.publicEmail);
});
