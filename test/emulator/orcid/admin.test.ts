import assert from 'node:assert/strict';
import { before, beforeEach, test } from 'node:test';
import { isValidOrcid } from '../../../src/emulator/orcid/index.js';
import { createTestEmulator, exchange, getCode, postForm, signIn, USERS, type TestEmulator } from './helpers.js';

let emu: TestEmulator;
before(async () => {
  emu = await createTestEmulator();
});
beforeEach(() => emu.state.reset());

const admin = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  emu.app.inject({ method, url: `/__admin${url}`, ...(payload ? { payload } : {}) });

test('§6.10 POST /__admin/users adds a user (iD minted when absent) who can sign in at once', async () => {
  const res = await admin('POST', '/users', {
    givenNames: 'Ada',
    familyName: 'Lovelace',
    description: 'added by a test',
    emails: [{ email: 'ada@example.org', visibility: 'public', verified: true }],
  });
  assert.equal(res.statusCode, 201);
  const { orcid } = res.json();
  assert.ok(isValidOrcid(orcid) && orcid.startsWith('0009-'));
  const tokens = await signIn(emu.app, { login_as: orcid });
  assert.equal(tokens.name, 'Ada Lovelace');
  const list = (await admin('GET', '/users')).json();
  assert.ok(list.some((u: { orcid: string }) => u.orcid === orcid));
});

test('§6.10 the admin API refuses invalid users with 400 naming the problem', async () => {
  const badId = await admin('POST', '/users', { orcid: '0000-0002-1825-0098', givenNames: 'X' });
  assert.equal(badId.statusCode, 400);
  assert.match(badId.json().error, /check digit/);
  const badShape = await admin('POST', '/users', {
    givenNames: 'X',
    emails: [{ email: 'x@example.org', visibility: 'secret', verified: true }],
  });
  assert.equal(badShape.statusCode, 400);
  assert.match(badShape.json().error, /visibility/);
});

test('§6.10 POST /__admin/clients registers a client whose redirect URIs are honoured', async () => {
  const res = await admin('POST', '/clients', {
    clientId: 'APP-REPOSITORY000001',
    clientSecret: 'repo-secret',
    redirectUris: ['https://repo.example.org/orcid'],
    member: true,
  });
  assert.equal(res.statusCode, 201);
  assert.equal(res.json().clientSecret, undefined, 'the secret is not echoed back');
  const code = await getCode(emu.app, {
    client_id: 'APP-REPOSITORY000001',
    redirect_uri: 'https://repo.example.org/orcid/callback',
  });
  const token = await postForm(emu.app, '/oauth/token', {
    client_id: 'APP-REPOSITORY000001',
    client_secret: 'repo-secret',
    grant_type: 'authorization_code',
    code,
    redirect_uri: 'https://repo.example.org/orcid/callback',
  });
  assert.equal(token.statusCode, 200);
  const bad = await admin('POST', '/clients', {
    clientId: `APP-${'X'.repeat(47)}`,
    clientSecret: 's',
    redirectUris: ['http://x'],
  });
  assert.equal(bad.statusCode, 400, 'a client_id over 50 characters is invalid (§1.4)');
});

test('§6.10 POST /__admin/clock moves emulator time so codes expire without sleeping', async () => {
  const code = await getCode(emu.app);
  const before = (await admin('GET', '/clock')).json().now;
  const moved = await admin('POST', '/clock', { advanceSeconds: 601 });
  assert.equal(moved.json().now, before + 601_000);
  assert.equal((await exchange(emu.app, code)).statusCode, 400);
});

test('§6.10 POST /__admin/reset restores fixtures, forgets tokens and sessions, and zeroes the clock offset', async () => {
  await admin('POST', '/users', { givenNames: 'Temp' });
  const tokens = await signIn(emu.app);
  await admin('POST', '/clock', { advanceMs: 5000 });
  const before = emu.state.now();
  assert.equal((await admin('POST', '/reset')).statusCode, 204);
  assert.equal(emu.state.users.size, 11);
  assert.equal(emu.state.now(), before - 5000);
  const res = await emu.app.inject({
    url: '/oauth/userinfo',
    headers: { authorization: `Bearer ${tokens.access_token}` },
  });
  assert.equal(res.statusCode, 403);
});

test('§6.10 fixture users cover each email case the issue lists', async () => {
  const u = (id: string) => emu.state.users.get(id)!;
  assert.ok(u(USERS.publicEmail).emails.some((e) => e.visibility === 'public' && e.verified));
  assert.ok(u(USERS.privateEmail).emails.every((e) => e.visibility === 'private'));
  assert.ok(u(USERS.unverifiedEmail).emails.every((e) => !e.verified));
  assert.ok(new Set(u(USERS.severalEmails).emails.map((e) => e.visibility)).size >= 3);
  assert.notEqual(u(USERS.noPublicName).name.visibility, 'public');
  for (const user of emu.state.users.values()) assert.ok(user.description.length > 0, user.orcid);
});
