import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { startOrcidEmulator, type OrcidEmulator } from '../../../src/emulator/orcid/index.js';
import { createTestEmulator, MEMBER, postForm, USERS, type TestEmulator } from './helpers.js';

let emu: TestEmulator;
before(async () => {
  emu = await createTestEmulator();
});
beforeEach(() => emu.state.reset());

const clientCredentials = () =>
  postForm(emu.app, '/oauth/token', {
    client_id: MEMBER.clientId,
    client_secret: MEMBER.clientSecret,
    grant_type: 'client_credentials',
  });
const email = () =>
  emu.app.inject({ url: `/pub-api/v3.0/${USERS.publicEmail}/email`, headers: { accept: 'application/json' } });

test('§6.9 a 500 fault makes the token endpoint answer server_error', async () => {
  emu.state.setFaults({ token: { status: 500 } });
  const res = await clientCredentials();
  assert.equal(res.statusCode, 500);
  assert.equal(res.json().error, 'server_error');
  assert.equal((await email()).statusCode, 200, 'other groups are unaffected');
});

test('§2.5 rate limiting answers 503 past the burst and refills with the emulator clock', async () => {
  emu.state.setFaults({ api: { rateLimit: { perSecond: 12, burst: 40 } } });
  const statuses = [];
  for (let i = 0; i < 41; i++) statuses.push((await email()).statusCode);
  assert.deepEqual(statuses.slice(0, 40), Array(40).fill(200));
  assert.equal(statuses[40], 503);
  emu.state.advanceClock(1000);
  assert.equal((await email()).statusCode, 200, '12 tokens back after a second');
});

test('§6.9 a 503 fault answers every request of the group with 503', async () => {
  emu.state.setFaults({ api: { status: 503 } });
  assert.equal((await email()).statusCode, 503);
});

test('§6.9 no Retry-After on a 503 unless the fault asks for one (ORCID documents none)', async () => {
  emu.state.setFaults({ api: { status: 503 } });
  assert.equal((await email()).headers['retry-after'], undefined);
  emu.state.setFaults({ api: { rateLimit: { perSecond: 1, burst: 1 } } });
  await email();
  const limited = await email();
  assert.equal(limited.statusCode, 503);
  assert.equal(limited.headers['retry-after'], undefined);
  emu.state.setFaults({ api: { rateLimit: { perSecond: 1, burst: 1 }, retryAfterSeconds: 30 } });
  await email();
  const told = await email();
  assert.equal(told.statusCode, 503);
  assert.equal(told.headers['retry-after'], '30');
  emu.state.setFaults({ api: { status: 503, retryAfterSeconds: 7 } });
  assert.equal((await email()).headers['retry-after'], '7');
  emu.state.setFaults({ api: null });
});

test('§6.9 malformed JSON cuts the body so it no longer parses', async () => {
  emu.state.setFaults({ token: { malformedJson: true } });
  const res = await clientCredentials();
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.throws(() => JSON.parse(res.body));
});

test('§6.9 times limits a fault to the next N requests; null and clear switch faults off', async () => {
  emu.state.setFaults({ all: { status: 500, times: 1 } });
  assert.equal((await clientCredentials()).statusCode, 500);
  assert.equal((await clientCredentials()).statusCode, 200);
  emu.state.setFaults({ api: { status: 503 } });
  emu.state.setFaults({ api: null });
  assert.equal((await email()).statusCode, 200);
});

test('§6.9 a delay fault holds the response for at least delayMs', async () => {
  emu.state.setFaults({ discovery: { delayMs: 40 } });
  const started = performance.now();
  assert.equal((await emu.app.inject('/oauth/jwks')).statusCode, 200);
  assert.ok(performance.now() - started >= 35);
});

test('§6.9 faults are set through the admin API too, validated, and listed', async () => {
  const bad = await emu.app.inject({ method: 'PUT', url: '/__admin/faults', payload: { token: { status: 418 } } });
  assert.equal(bad.statusCode, 400);
  const ok = await emu.app.inject({ method: 'PUT', url: '/__admin/faults', payload: { token: { status: 503 } } });
  assert.deepEqual(ok.json(), { token: { status: 503 } });
  assert.equal((await clientCredentials()).statusCode, 503);
  assert.equal((await emu.app.inject({ method: 'DELETE', url: '/__admin/faults' })).statusCode, 204);
  assert.equal((await clientCredentials()).statusCode, 200);
});

test('§6.9 a refusing endpoint also fails an inject() call instead of hanging', async () => {
  emu.state.setFaults({ token: { refuseConnections: true } });
  await assert.rejects(clientCredentials(), /destroyed/);
});

test('§6.9 startOrcidEmulator rejects bad fixtures and releases its port', async () => {
  await assert.rejects(
    startOrcidEmulator({ fixtures: { clients: [], users: [{ givenNames: 'X', orcid: 'nope' }] } }),
    /valid iD/,
  );
});

let server: OrcidEmulator;
before(async () => {
  server = await startOrcidEmulator();
});
after(() => server.close());

test('§6.9 a refusing token endpoint drops the connection unanswered (standalone server)', async () => {
  server.state.setFaults({ token: { refuseConnections: true } });
  await assert.rejects(
    fetch(`${server.siteUrl}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    }),
    TypeError,
  );
  const jwks = await fetch(`${server.siteUrl}/oauth/jwks`);
  assert.equal(jwks.status, 200, 'other endpoints still answer');
  server.state.setFaults({ token: null });
});
