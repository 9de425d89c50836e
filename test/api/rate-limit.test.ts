import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countRows, expectNoChange } from '../support/db-snapshot.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';
import { ApiClient, orcidRegistration } from './support/api-client.js';

/** docs/design.md: rate limits on token guesses and on mail sending, for the API too. */
forEachBackend(
  'API rate limits',
  (ctx) => {
    test('token-bearing routes: after 3 guesses a minute the 4th is 429 RATE_LIMITED, even with the right token', async () => {
      const c = await ApiClient.for(ctx());
      const { token } = await orcidRegistration(c); // findByToken no. 1
      for (let i = 0; i < 2; i++) assertRefused(await c.findByToken(`guess${i}`), 404, 'REGISTRATION_NOT_FOUND');
      const limited = await c.findByToken(token);
      assertRefused(limited, 429, 'RATE_LIMITED');
      assert.ok(Number(limited.headers['retry-after']) > 0);
    });

    test('mail-sending: after 3 register/forgot requests a minute the 4th is 429 and queues no mail', async () => {
      const c = await ApiClient.for(ctx());
      const ask = (i: number) =>
        c.post('/api/eperson/registrations?accountRequestType=register', {
          json: { email: `limit-${i}@rate.example` },
        });
      for (let i = 0; i < 3; i++) assert.equal((await ask(i)).status, 201);
      assertRefused(await expectNoChange(ctx().lanyard.db, () => ask(3)), 429, 'RATE_LIMITED');
      assert.equal(await countRows(ctx().lanyard.db, 'email_outbox', ['to_address', 'limit-3@rate.example']), 0);
    });
  },
  { ...withOrcid, LANYARD_RATE_TOKEN_PER_MINUTE: '3', LANYARD_RATE_SIGNIN_PER_MINUTE: '3' },
);
