import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { assertRefused } from '../support/refusals.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const REDIS_URL = process.env.LANYARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisProblem(): Promise<string | false> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
    return false;
  } catch (e) {
    // Under CI a missing Redis is a failure, not a skip.
    return process.env.CI === 'true'
      ? false
      : `Redis at ${REDIS_URL} is unreachable (${(e as Error).message}); under CI=true this fails`;
  } finally {
    client.disconnect();
  }
}

const reason = await redisProblem();
if (reason) console.log(`# shared rate-limit test skipped: ${reason}`);

/** docs/design.md: with Redis, two Lanyard processes count sign-in attempts against one limit. */
describe('rate limits shared through Redis', { skip: reason || false }, () => {
  const env = {
    LANYARD_REDIS_URL: REDIS_URL,
    LANYARD_REDIS_PREFIX: `lanyard-test-${randomBytes(6).toString('hex')}:`,
    LANYARD_RATE_SIGNIN_PER_MINUTE: '4',
    // The shared count is tested, not Redis's deadline (a busy machine can answer later than 500 ms).
    LANYARD_REDIS_TIMEOUT_MS: '10000',
  };
  let first: TestApp;
  let second: TestApp;
  before(async () => {
    [first, second] = await Promise.all([createTestApp('pglite', env), createTestApp('pglite', env)]);
  });
  after(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  test('attempts on one process count on the other', async () => {
    const attempt = async (app: TestApp) => {
      const browser = app.browser();
      await browser.get('/login');
      return browser.post('/login', { email: 'nobody@uni.example', password: 'a wrong password' });
    };
    for (const app of [first, second, first, second]) assert.equal((await attempt(app)).status, 401);
    assertRefused(await attempt(first), 429, 'RATE_LIMITED');
    assertRefused(await attempt(second), 429, 'RATE_LIMITED');
  });
});
