import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { requestRegistration } from '../../src/accounts/password-accounts.js';
import { TestClock } from '../../src/clock.js';
import type { Lanyard } from '../../src/lanyard.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { claimDueMails } from '../../src/stores/outbox.js';
import { uniqueEmail } from '../support/accounts.js';
import { type DurableStore, durableStore, eachBackend, openOn } from '../support/durable-store.js';
import { MailCatcher } from '../support/mail-catcher.js';
import { waitUntil } from '../support/wait.js';

const unsent = async (lanyard: Lanyard, to: string[]) =>
  (
    await lanyard.db
      .selectFrom('email_outbox')
      .select('to_address')
      .where('sent_at', 'is', null)
      .where('to_address', 'in', to)
      .execute()
  ).length;

eachBackend('queued mail survives the process', (backend) => {
  let mail: MailCatcher;
  let store: DurableStore;
  const running: Lanyard[] = [];
  const clock = new TestClock();
  const start = async () => running[running.push(await openOn(store, mail, clock)) - 1]!;

  before(async () => {
    mail = await new MailCatcher().start();
    store = await durableStore(backend);
  });
  after(async () => {
    for (const lanyard of running) await lanyard.close().catch(() => {});
    await mail.stop();
    await store.remove();
  });

  /** Each of `to` has exactly one delivered mail once the outbox has marked them all sent. */
  const assertDeliveredOnce = async (lanyard: Lanyard, to: string[]) => {
    for (const address of to) await mail.waitFor(address);
    await waitUntil(async () => (await unsent(lanyard, to)) === 0, 'the outbox to record delivery');
    for (const address of to)
      assert.equal(mail.messages.filter((m) => m.to === address).length, 1, `${address} got a duplicate`);
  };

  test('mails queued while SMTP refused them are delivered by the next process after a stop', async () => {
    const to = [uniqueEmail('first'), uniqueEmail('second'), uniqueEmail('third')];
    mail.refuse = true;
    const first = await start();
    for (const address of to) await requestRegistration(first, address, 'en');
    await waitUntil(
      async () =>
        (
          await first.db
            .selectFrom('email_outbox')
            .select('id')
            .where('attempts', '>=', 1)
            .where('to_address', 'in', to)
            .execute()
        ).length === to.length,
      'refused attempts',
    );
    await first.close();

    mail.refuse = false;
    clock.advance(60_000);
    const second = await start();
    assert.equal(await unsent(second, to), to.length, 'mail was lost or sent by a stopped process');
    await assertDeliveredOnce(second, to);
    await second.close();
  });

  test('mails a dying process had claimed but not sent are delivered once its lease runs out', async () => {
    const to = [uniqueEmail('leased'), uniqueEmail('leased-too')];
    const first = await start();
    await first.outbox.stop();
    for (const address of to) await requestRegistration(first, address, 'en');
    // What a worker killed in the middle of a send leaves behind: claimed for 60 s, not marked sent.
    assert.equal((await claimDueMails(first.db, clock.now(), 20, 60)).length, to.length);
    await first.close();

    const second = await start();
    assert.equal(await second.outbox.deliverDue(), 0, 'a leased mail was sent before its lease ran out');
    assert.equal(mail.messages.filter((m) => to.includes(m.to)).length, 0);
    clock.advance(61_000);
    await assertDeliveredOnce(second, to);
    await second.close();
  });

  test('a worker whose send stalls past its lease leaves the rest of its batch to the next worker: none of it sent twice', async () => {
    const to = [uniqueEmail('stalled'), uniqueEmail('stalled-rest')];
    const lanyard = await start();
    await lanyard.outbox.stop();
    for (const address of to) await requestRegistration(lanyard, address, 'en');
    // A worker whose first send hangs (a stalling SMTP server, a starved process) until released.
    const sentBySlow: string[] = [];
    let release = () => {};
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const slow = new OutboxWorker({
      db: lanyard.db,
      clock,
      log: pino({ level: 'silent' }),
      transport: {
        async send(mail) {
          sentBySlow.push(mail.to_address);
          if (sentBySlow.length === 1) await stalled;
        },
        close() {},
      },
    });
    const slowRound = slow.deliverDue();
    await waitUntil(async () => sentBySlow.length === 1, 'the slow worker to begin its first send');
    // Its lease runs out: another worker claims both mails and delivers them.
    clock.advance(61_000);
    assert.equal(await lanyard.outbox.deliverDue(), to.length);
    release();
    await slowRound;
    assert.equal(sentBySlow.length, 1, `the slow worker went on with its batch: ${sentBySlow.join(', ')}`);
    await assertDeliveredOnce(lanyard, to);
    await lanyard.close();
  });
});
