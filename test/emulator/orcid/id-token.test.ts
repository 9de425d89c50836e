import assert from 'node:assert/strict';
import { before, beforeEach, test } from 'node:test';
import { createLocalJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { createHash } from 'node:crypto';
import {
  BASE,
  createTestEmulator,
  exchange,
  getCode,
  jwtPayload,
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

test('§1.9.3 the ID token is RS256 with header {kid, alg} only, verifiable with the JWKS', async () => {
  const { id_token } = await signIn(emu.app, { scope: 'openid' });
  assert.deepEqual(decodeProtectedHeader(id_token!), { kid: emu.state.signingKey.kid, alg: 'RS256' });
  const jwks = createLocalJWKSet((await emu.app.inject('/oauth/jwks')).json());
  const { payload } = await jwtVerify(id_token!, jwks, {
    issuer: BASE,
    audience: MEMBER.clientId,
    algorithms: ['RS256'],
    currentDate: new Date(emu.state.now()),
  });
  assert.equal(payload.sub, USERS.publicEmail);
});

test('§1.9.3 aud is a string, sub the bare iD, iss the base without trailing slash, jti a UUID', async () => {
  const claims = jwtPayload((await signIn(emu.app, { scope: 'openid' })).id_token!);
  assert.equal(claims.aud, MEMBER.clientId);
  assert.equal(claims.sub, USERS.publicEmail);
  assert.equal(claims.iss, BASE);
  assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
});

test('§1.9.3 amr is a string: "pwd", or "mfa" for a user with two-factor', async () => {
  assert.equal(jwtPayload((await signIn(emu.app, { scope: 'openid' })).id_token!).amr, 'pwd');
  assert.equal(
    jwtPayload((await signIn(emu.app, { scope: 'openid', login_as: USERS.umlautMfa })).id_token!).amr,
    'mfa',
  );
});

test('§1.9.3 amr is omitted for public (non-member) clients', async () => {
  const code = await getCode(emu.app, { client_id: PUBLIC.clientId, scope: 'openid' });
  const res = await postForm(emu.app, '/oauth/token', {
    client_id: PUBLIC.clientId,
    client_secret: PUBLIC.clientSecret,
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
  });
  assert.equal(jwtPayload(res.json().id_token).amr, undefined);
});

test('§1.9.3 nonce is echoed when sent, absent otherwise', async () => {
  assert.equal(
    jwtPayload((await signIn(emu.app, { scope: 'openid', nonce: 'n-0S6_WzA2Mj' })).id_token!).nonce,
    'n-0S6_WzA2Mj',
  );
  assert.ok(!('nonce' in jwtPayload((await signIn(emu.app, { scope: 'openid' })).id_token!)));
});

test('§1.9.3 at_hash is base64url of the left half of SHA-256(access_token), also in the code flow', async () => {
  const body = await signIn(emu.app, { scope: 'openid' });
  const expected = createHash('sha256').update(body.access_token).digest().subarray(0, 16).toString('base64url');
  assert.equal(jwtPayload(body.id_token!).at_hash, expected);
});

test('§1.9.3 exp - iat is the configured lifetime (600 s by default) and iat follows the emulator clock', async () => {
  const claims = jwtPayload((await signIn(emu.app, { scope: 'openid' })).id_token!);
  assert.equal(Number(claims.exp) - Number(claims.iat), 600);
  assert.equal(claims.iat, Math.floor(emu.state.now() / 1000));
  const long = await createTestEmulator({ idTokenLifetimeSeconds: 86400 });
  const c2 = jwtPayload((await signIn(long.app, { scope: 'openid' })).id_token!);
  assert.equal(Number(c2.exp) - Number(c2.iat), 86400);
});

test("§1.9.3 auth_time is the user's last sign-in, which can be well before iat", async () => {
  const cookie = String(
    (
      await emu.app.inject(
        `/oauth/authorize?client_id=${MEMBER.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&login_as=${USERS.publicEmail}`,
      )
    ).headers['set-cookie'],
  ).split(';')[0]!;
  const signedInAt = Math.floor(emu.state.now() / 1000);
  emu.state.advanceClock(3_600_000);
  const res = await emu.app.inject({
    url: `/oauth/authorize?client_id=${MEMBER.clientId}&response_type=code&scope=openid&prompt=none&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
    headers: { cookie },
  });
  const code = new URL(String(res.headers.location)).searchParams.get('code')!;
  const claims = jwtPayload((await exchange(emu.app, code)).json().id_token);
  assert.equal(claims.auth_time, signedInAt);
  assert.equal(Number(claims.iat) - signedInAt, 3600);
});

test('§1.9.3 name claims appear only when the name is public; name is the credit name only', async () => {
  const plain = jwtPayload((await signIn(emu.app, { scope: 'openid' })).id_token!);
  assert.equal(plain.given_name, 'Josiah');
  assert.equal(plain.family_name, 'Carberry');
  assert.equal(plain.name, undefined, 'no credit name, so no name claim');
  const credit = jwtPayload((await signIn(emu.app, { scope: 'openid', login_as: USERS.creditName })).id_token!);
  assert.equal(credit.name, 'Sofía García-López');
  const hidden = jwtPayload((await signIn(emu.app, { scope: 'openid', login_as: USERS.noPublicName })).id_token!);
  for (const claim of ['name', 'given_name', 'family_name']) assert.equal(hidden[claim], undefined, claim);
});

test('§1.9.3 ID tokens carry no email claim', async () => {
  const claims = jwtPayload((await signIn(emu.app, { scope: 'openid' })).id_token!);
  assert.equal(claims.email, undefined);
});

test('§6.8 rotating the signing key publishes a new kid and signs with it', async () => {
  const before = emu.state.signingKey.kid;
  const rotated = await emu.app.inject({ method: 'POST', url: '/__admin/keys/rotate' });
  const kid = rotated.json().kid;
  assert.notEqual(kid, before);
  assert.equal((await emu.app.inject('/oauth/jwks')).json().keys[0].kid, kid);
  assert.equal(decodeProtectedHeader((await signIn(emu.app, { scope: 'openid' })).id_token!).kid, kid);
});
