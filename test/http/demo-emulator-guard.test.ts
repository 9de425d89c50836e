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
