import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoOrcidClient } from '../../src/config/load.js';
import { createLogger } from '../../src/lanyard.js';
import { createServer } from '../../src/server.js';
import { migratedPgliteImage } from '../support/pglite-image.js';
import { forEachBackend } from '../support/suite.js';

/**
 * The built-in emulator's admin API adds ORCID users with any verified email, so beside a real
 * database anyone could sign in as any account. loadConfig refuses LANYARD_ORCID_ENV=emulator with
 * PostgreSQL (test/config, test/cli); this is the second wall: a configuration that slipped past it
 * still does not mount the emulator unless the database is the embedded demo one.
 */
forEachBackend('the built-in ORCID emulator serves only the embedded demo database', (ctx, backend) => {
  test('its open admin API answers only in demo mode', async () => {
    const { config } = ctx();
    const siteUrl = `${config.publicUrl}/orcid-emulator`;
    const forced = {
      ...config,
      orcid: {
        env: 'emulator' as const,
        ...demoOrcidClient,
        siteUrl,
        apiUrl: `${siteUrl}/member-api`,
        scopes: ['openid'],
        member: true,
        trustEmail: true,
        timeoutMs: 1000,
      },
    };
    const server = await createServer(forced, {
      log: createLogger('silent'),
      ...(backend === 'pglite' ? { databaseImage: await migratedPgliteImage() } : {}),
    });
    try {
      const attack = await server.app.inject({
        method: 'POST',
        url: '/orcid-emulator/__admin/users',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({
          givenNames: 'Eve',
          emails: [{ email: 'victim@example.org', verified: true, visibility: 'public' }],
        }),
      });
      if (backend === 'postgres') assert.equal(attack.statusCode, 404, attack.body);
      else assert.equal(attack.statusCode, 201, attack.body);
    } finally {
      await server.close();
    }
  });
});

/**
 * Demo mode listens on every address (HOST 0.0.0.0) by default. The emulator's admin API adds an
 * ORCID user with any verified email, and the emulator's sign-in then links that user into the
 * account with the address (a verified ORCID email is trusted): from the network, anyone could
 * sign in as any account of a demo Lanyard — its admin included. As the dev mailbox, the admin
 * API answers only a connection from this machine (its peer address, never a forwarded header).
 */
test('attack: the demo emulator’s admin API answers this machine only, not a neighbour who reaches the port', async (t) => {
  const { networkInterfaces } = await import('node:os');
  const { loadConfig } = await import('../../src/config/load.js');
  const { TEST_SECRET } = await import('../support/test-app.js');
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (!lan) return t.skip('no non-loopback IPv4 address on this machine');
  // The defaults of a demo start: embedded, no ORCID credentials (the built-in emulator), HOST 0.0.0.0.
  const config = loadConfig({
    LANYARD_SECRET_KEY: TEST_SECRET,
    LANYARD_DATA_DIR: 'memory://',
    LANYARD_PUBLIC_URL: 'http://localhost:3000',
    LANYARD_LOG_LEVEL: 'silent',
  });
  config.dataDir = 'memory://';
  assert.equal(config.orcid?.env, 'emulator');
  const server = await createServer(config, {
    log: createLogger('silent'),
    databaseImage: await migratedPgliteImage(),
  });
  try {
    await server.app.listen({ port: 0, host: '0.0.0.0' });
    const port = (server.app.server.address() as import('node:net').AddressInfo).port;
    const addUser = (host: string) =>
      fetch(`http://${host}:${port}/orcid-emulator/__admin/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '127.0.0.1' },
        body: JSON.stringify({
          givenNames: 'Eve',
          emails: [{ email: 'victim@example.org', verified: true, visibility: 'public' }],
        }),
      });
    const neighbour = await addUser(lan);
    assert.equal(neighbour.status, 404, await neighbour.text());
    for (const path of ['users', 'clock', 'faults']) {
      const read = await fetch(`http://${lan}:${port}/orcid-emulator/__admin/${path}`);
      assert.equal(read.status, 404, path);
    }
    // The emulator itself (its sign-in pages, its API) still answers the network: a demo may be
    // opened from another machine.
    const discovery = await fetch(`http://${lan}:${port}/orcid-emulator/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200);
    // This machine keeps its admin API (scripts, the docs' examples).
    assert.equal((await addUser('127.0.0.1')).status, 201);
  } finally {
    await server.close();
  }
});
