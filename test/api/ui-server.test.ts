import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../support/suite.js';

const findByToken = '/api/eperson/registrations/search/findByToken?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/**
 * A DSpace UI rendering server-side calls the API from its own server for every visitor, passing
 * each browser's address in X-Forwarded-For (dspace-angular ForwardClientIpInterceptor). With the UI
 * server's address in LANYARD_TRUST_PROXY each browser keeps its own limits; an address not listed
 * cannot pick its own with that header.
 */
forEachBackend(
  'Rate limits behind a server-side rendering UI (LANYARD_TRUST_PROXY)',
  (ctx) => {
    const guess = (remoteAddress: string, forwardedFor?: string) =>
      ctx().app.inject({
        method: 'GET',
        url: findByToken,
        remoteAddress,
        headers: { accept: 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
      });

    test('through the trusted UI server, each browser has its own token-guess limit', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await guess('127.0.0.1', '203.0.113.1')).statusCode, 404);
      assert.equal((await guess('127.0.0.1', '203.0.113.1')).statusCode, 429, 'the fourth guess of one browser');
      assert.equal((await guess('127.0.0.1', '203.0.113.2')).statusCode, 404, 'another browser is not throttled');
    });

    test('an untrusted client cannot escape its limit by sending X-Forwarded-For', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await guess('198.51.100.7', `192.0.2.${i}`)).statusCode, 404);
      const over = await guess('198.51.100.7', '192.0.2.99');
      assert.deepEqual([over.statusCode, over.json().code], [429, 'RATE_LIMITED']);
    });
  },
  { LANYARD_TRUST_PROXY: '127.0.0.1', LANYARD_RATE_TOKEN_PER_MINUTE: '3' },
);
