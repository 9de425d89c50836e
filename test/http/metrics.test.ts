import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../support/test-app.js';

// Shape only: timings are never asserted in tests (the benchmark measures them).
describe('GET /metrics (LANYARD_METRICS)', () => {
  const apps: TestApp[] = [];
  after(() => Promise.all(apps.map((a) => a.close())));

  test('is not served by default', async () => {
    const app = await createTestApp('pglite');
    apps.push(app);
    assert.equal((await app.browser().get('/metrics')).status, 404);
  });

  test('with LANYARD_METRICS=true reports event-loop delay and memory, and resets its window', async () => {
    const app = await createTestApp('pglite', { LANYARD_METRICS: 'true' });
    apps.push(app);
    const browser = app.browser();
    const page = await browser.get('/metrics');
    assert.equal(page.status, 200);
    const body = page.json();
    // Null only while the window holds no sample yet.
    for (const key of ['min', 'mean', 'p50', 'p99', 'max'])
      assert.equal(typeof body.eventLoopDelayMs[key], body.eventLoopDelayMs.count ? 'number' : 'object', key);
    assert.ok(body.memory.rss > 0);
    assert.ok(body.memory.heapUsed > 0);
    assert.equal((await browser.request('POST', '/metrics/reset')).status, 204);
    assert.equal(typeof (await browser.get('/metrics')).json().windowMs, 'number');
  });
});
