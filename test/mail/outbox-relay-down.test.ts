import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { OutboxWorker, smtpTransport } from '../../src/mail/worker.js';
import { uniqueEmail } from '../support/accounts.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';
import { waitUntil } from '../support/wait.js';

const rows = (app: TestApp, to: string[]) =>
  app.lanyard.db.selectFrom('email_outbox').selectAll().where('to_address', 'in', to).execute();

/**
 * An SMTP relay that is away (every connection answered 421 and closed) for hours, then back. Its absence is not the
 * mails' failure: no try counts against them, none is given up on, and once the relay answers,
 * everything that waited is delivered within a minute, each mail once.
 */
forEachBackend('the SMTP relay away for hours, then back', (ctx) => {
  test('mails wait uncounted while the relay is away and are delivered once, within a minute of its return', async () => {
    const app = ctx();
    app.clock.freeze();
    const to = [uniqueEmail('away-1'), uniqueEmail('away-2'), uniqueEmail('away-3')];
    app.mail.down = true;
    try {
      for (const email of to) {
        const browser = app.browser();
        await browser.get('/register');
        assert.equal((await browser.post('/register', { email })).status, 303, 'the flow must not depend on SMTP');
      }
      // Five hours of outage, ten minutes at a time: after each step the worker tries the relay again.
      for (let step = 0; step < 30; step++) {
        app.clock.advance(10 * 60_000);
        const now = app.clock.now();
        await waitUntil(
          async () => (await rows(app, to)).some((r) => r.next_attempt_at > now && r.claimed_until === null),
          `the worker to try the relay again (step ${step})`,
        );
      }
      for (const row of await rows(app, to)) {
        assert.equal(row.sent_at, null);
        assert.equal(row.failed_at, null, `${row.to_address} was given up on during an outage`);
        assert.equal(row.attempts, 0, `${row.to_address}: the relay's absence counted as the mail's attempt`);
      }
      assert.ok((await rows(app, to)).some((r) => /421|not available/i.test(r.last_error ?? '')));
    } finally {
      app.mail.down = false;
    }

    // The longest the worker waits between two tries of an absent relay is a minute.
    app.clock.advance(60_000);
    for (const email of to) await app.mail.waitFor(email);
    await waitUntil(
      async () => (await rows(app, to)).every((r) => r.sent_at !== null),
      'the outbox to record delivery',
    );

    app.clock.advance(24 * 3600_000);
    await app.lanyard.outbox.deliverDue();
    for (const email of to)
      assert.equal(app.mail.messages.filter((m) => m.to === email).length, 1, `${email} got a duplicate`);
  });

  test('two workers on one outbox while the relay is away: neither counts a try, and each mail goes out once when it is back', async () => {
    const app = ctx();
    app.clock.freeze();
    // Two processes' workers on one outbox and relay, each with its own connection and outage
    // state, their rounds run side by side by the test (a round in flight while the test clock
    // jumps past its lease would count its try, as a round stalled past its lease does).
    const one = app.lanyard.outbox;
    await one.stop();
    const other = new OutboxWorker({
      db: app.lanyard.db,
      clock: app.clock,
      transport: smtpTransport(app.mail.url, 'lanyard@example.org', 'lanyard.example.org'),
      log: pino({ level: 'silent' }),
    });
    const bothRounds = async () => (await Promise.all([one.deliverDue(), other.deliverDue()])).reduce((a, b) => a + b);
    const to = Array.from({ length: 6 }, (_, i) => uniqueEmail(`two-workers-${i}`));
    app.mail.down = true;
    try {
      for (const email of to) {
        const browser = app.browser();
        await browser.get('/register');
        assert.equal((await browser.post('/register', { email })).status, 303);
      }
      // An hour of outage, five minutes at a time: each step, both workers try the relay.
      for (let step = 0; step < 12; step++) {
        app.clock.advance(5 * 60_000);
        const now = app.clock.now();
        assert.equal(await bothRounds(), 0);
        const found = await rows(app, to);
        assert.ok(found.every((r) => r.claimed_until === null && r.sent_at === null && r.failed_at === null));
        assert.ok(
          found.some((r) => r.next_attempt_at > now),
          `neither worker tried the relay at step ${step}`,
        );
        for (const row of found)
          assert.equal(row.attempts, 0, `${row.to_address}: a try during the outage was counted`);
      }
      app.mail.down = false;
      // Each worker waits at most a minute before it tries an absent relay again.
      app.clock.advance(60_000);
      let delivered = 0;
      for (let round = 0; round < 3; round++) delivered += await bothRounds();
      assert.equal(delivered, to.length);
      for (const email of to) await app.mail.waitFor(email);
      app.clock.advance(24 * 3600_000);
      assert.equal(await bothRounds(), 0);
      for (const email of to)
        assert.equal(app.mail.messages.filter((m) => m.to === email).length, 1, `${email} was sent twice`);
      for (const row of await rows(app, to)) assert.equal(row.attempts, 1, `${row.to_address}: ${row.attempts} tries`);
    } finally {
      app.mail.down = false;
      await other.stop();
      one.start();
    }
  });

  test('a mail the relay has not taken for five days is given up on (kept, marked failed), as a mail server gives up on its queue', async () => {
    const app = ctx();
    app.clock.freeze();
    const email = uniqueEmail('five-days');
    app.mail.down = true;
    try {
      const browser = app.browser();
      await browser.get('/register');
      assert.equal((await browser.post('/register', { email })).status, 303);
      for (let day = 1; day <= 6; day++) {
        app.clock.advance(24 * 3600_000);
        const now = app.clock.now();
        const [row] = await waitUntil(async () => {
          const found = await rows(app, [email]);
          return (
            found[0] &&
            found[0].claimed_until === null &&
            (found[0].failed_at || found[0].next_attempt_at > now) &&
            found
          );
        }, `a try on day ${day}`);
        assert.equal(row!.failed_at !== null, day >= 5, `day ${day}: failed_at ${String(row!.failed_at)}`);
        if (row!.failed_at) break;
      }
    } finally {
      app.mail.down = false;
    }
    app.clock.advance(24 * 3600_000);
    await app.lanyard.outbox.deliverDue();
    assert.equal(app.mail.messages.filter((m) => m.to === email).length, 0, 'a mail given up on was sent');
  });

  test("a mail the relay fails while it takes others is the mail's failure: counted, given up after its tries; the others go out", async () => {
    const app = ctx();
    app.clock.freeze();
    const doomed = uniqueEmail('doomed');
    const fine = uniqueEmail('fine');
    app.mail.failFor = (to) => to === doomed;
    try {
      for (const email of [doomed, fine]) {
        const browser = app.browser();
        await browser.get('/register');
        assert.equal((await browser.post('/register', { email })).status, 303);
      }
      await app.mail.waitFor(fine);
      // Each try of the doomed mail counts (the relay answers the worker's check), so its backoff
      // grows to the hour and it is given up on after the 12th.
      for (let tries = 1; ; tries++) {
        const now = app.clock.now();
        const [row] = await waitUntil(async () => {
          const found = await rows(app, [doomed]);
          return found[0] && found[0].claimed_until === null && found[0].attempts >= tries && found;
        }, `try ${tries} of the doomed mail`);
        assert.equal(row!.attempts, tries, 'a try of a mail the relay answered for went uncounted');
        assert.ok(row!.failed_at !== null || row!.next_attempt_at > now);
        if (row!.failed_at) break;
        assert.ok(tries < 12, 'the doomed mail was never given up on');
        app.clock.advance(3600_000);
      }
      assert.equal((await rows(app, [doomed]))[0]!.attempts, 12);
      assert.equal(app.mail.messages.filter((m) => m.to === doomed).length, 0);
      assert.equal(app.mail.messages.filter((m) => m.to === fine).length, 1);
    } finally {
      app.mail.failFor = null;
    }
  });
});
