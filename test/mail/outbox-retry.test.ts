import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniqueEmail } from '../support/accounts.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';
import { waitUntil } from '../support/wait.js';

const outboxRow = (app: TestApp, to: string) =>
  app.lanyard.db.selectFrom('email_outbox').selectAll().where('to_address', '=', to).executeTakeFirst();

/** The outbox row once `attempts` tries have finished (the claim counts an attempt before the send ends). */
async function settledAfter(app: TestApp, to: string, attempts: number) {
  const row = await outboxRow(app, to);
  return row && row.attempts >= attempts && row.claimed_until === null && row;
}

forEachBackend('outbox retries while the SMTP server is down', (ctx) => {
  test('refused mail stays queued with attempts and last_error, is retried with backoff, then delivered exactly once', async () => {
    const app = ctx();
    const email = uniqueEmail('patient');
    const browser = app.browser();
    await browser.get('/register');
    app.mail.refuse = true;
    try {
      assert.equal(
        (await browser.post('/register', { email })).status,
        303,
        'the flow must not depend on SMTP being up',
      );
      const failed = await waitUntil(() => settledAfter(app, email, 1), 'a refused attempt');
      assert.equal(failed.attempts, 1);
      assert.match(failed.last_error ?? '', /451|try later/);
      assert.equal(failed.sent_at, null);
      assert.equal(failed.failed_at, null);
      assert.ok(failed.next_attempt_at > app.clock.now(), 'no backoff before the next attempt');

      app.clock.advance(60_000);
      assert.equal(
        (await waitUntil(() => settledAfter(app, email, 2), 'a second attempt after the backoff')).attempts,
        2,
      );
      assert.equal(app.mail.messages.filter((m) => m.to === email).length, 0);
    } finally {
      app.mail.refuse = false;
    }

    app.clock.advance(3600_000);
    const delivered = await app.mail.waitFor(email);
    assert.match(delivered.subject, /Create your Lanyard account/);
    const sent = await waitUntil(
      async () => (await outboxRow(app, email))?.sent_at && outboxRow(app, email),
      'the outbox to record delivery',
    );
    assert.ok(sent && sent.attempts >= 3 && sent.last_error === null);

    app.clock.advance(24 * 3600_000);
    await app.lanyard.outbox.deliverDue();
    assert.equal(app.mail.messages.filter((m) => m.to === email).length, 1, 'the mail was delivered more than once');
  });
});
