import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopbackUrl, loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/lanyard.js';
import { createServer } from '../../src/server.js';
import { migratedPgliteImage } from '../support/pglite-image.js';
import { TEST_SECRET } from '../support/test-app.js';

/**
 * The dev mailbox shows every mail with its links — password resets and registrations included —
 * to whoever opens it. Embedded mode without SMTP serves it for the demo on this machine; at a
 * public URL it would hand anyone a reset link for any account, so it is not there at all.
 */
async function embedded(env: Record<string, string>) {
  const config = loadConfig({
    LANYARD_SECRET_KEY: TEST_SECRET,
    LANYARD_DATA_DIR: 'memory://',
    LANYARD_ORCID_ENV: 'off',
    LANYARD_LOG_LEVEL: 'silent',
    ...env,
  });
  // In memory, from the migrated image (as test/support/test-app.ts does): loadConfig resolves
  // LANYARD_DATA_DIR to a path, and 'memory://' would be a PGlite directory on disk in the checkout.
  config.dataDir = 'memory://';
  return createServer(config, { log: createLogger('silent'), databaseImage: await migratedPgliteImage() });
}

async function mailbox(env: Record<string, string>) {
  const server = await embedded(env);
  try {
    const page = await server.app.inject({ method: 'GET', url: '/dev/mail', headers: { accept: 'text/html' } });
    const login = await server.app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
    return { status: page.statusCode, linked: login.body.includes('href="/dev/mail"') };
  } finally {
    await server.close();
  }
}

test('the dev mailbox is served in embedded mode at a loopback URL', async () => {
  for (const url of ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000'])
    assert.deepEqual(await mailbox({ LANYARD_PUBLIC_URL: url }), { status: 200, linked: true }, url);
});

test('attack: at a public URL (or a LAN address) the dev mailbox does not exist, so no reset link can be read there', async () => {
  for (const url of ['https://lanyard.example.org', 'http://192.168.1.20:3000', 'http://localhost.example.org'])
    assert.deepEqual(await mailbox({ LANYARD_PUBLIC_URL: url }), { status: 404, linked: false }, url);
});

test('with an SMTP server mails are sent, and there is no dev mailbox', async () => {
  assert.deepEqual(
    await mailbox({ LANYARD_PUBLIC_URL: 'http://localhost:3000', LANYARD_SMTP_URL: 'smtp://127.0.0.1:2525' }),
    { status: 404, linked: false },
  );
});

test('loopback means localhost, 127.0.0.0/8 and ::1 only', () => {
  assert.ok(isLoopbackUrl('http://app.localhost:3000'));
  assert.ok(isLoopbackUrl('http://127.1.2.3'));
  assert.ok(isLoopbackUrl('http://[::1]:3000'));
  assert.ok(isLoopbackUrl('http://LOCALHOST:3000'));
  assert.ok(!isLoopbackUrl('http://127.0.0.1.nip.io'));
  assert.ok(!isLoopbackUrl('http://10.0.0.1'));
});

test('attack: at a loopback URL but listening on every address, the dev mailbox answers this machine only, not a neighbour who reaches the port', async (t) => {
  const { networkInterfaces } = await import('node:os');
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (!lan) return t.skip('no non-loopback IPv4 address on this machine');
  // The defaults of a demo start: embedded, no SMTP, PUBLIC_URL http://localhost:…, HOST 0.0.0.0.
  const server = await embedded({ LANYARD_PUBLIC_URL: 'http://localhost:3000' });
  try {
    await server.app.listen({ port: 0, host: '0.0.0.0' });
    const port = (server.app.server.address() as import('node:net').AddressInfo).port;
    const local = await fetch(`http://127.0.0.1:${port}/dev/mail`, { headers: { accept: 'text/html' } });
    assert.equal(local.status, 200);
    const neighbour = await fetch(`http://${lan}:${port}/dev/mail`, {
      headers: { accept: 'text/html', 'x-forwarded-for': '127.0.0.1' },
    });
    assert.equal(neighbour.status, 404);
  } finally {
    await server.close();
  }
});
