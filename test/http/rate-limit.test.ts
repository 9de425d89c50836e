import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PASSWORD, seedAccount } from '../support/accounts.js';
import { countRows, expectNoChange } from '../support/db-snapshot.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { browserOn } from '../support/pages.js';

forEachBackend(
  'sign-in rate limit',
  (ctx) => {
    test('after 3 attempts in a minute the 4th is 429 RATE_LIMITED, even with the right password, and changes nothing', async () => {
      const account = await seedAccount(ctx().lanyard);
      const browser = await browserOn(ctx(), '/login');
      for (let i = 0; i < 3; i++)
        assertRefused(
          await browser.post('/login', { email: account.email, password: `guess number ${i}` }),
          401,
          'INVALID_CREDENTIALS',
        );
      const limited = await expectNoChange(ctx().lanyard.db, () =>
        browser.post('/login', { email: account.email, password: PASSWORD }),
      );
      assertRefused(limited, 429, 'RATE_LIMITED');
      assert.ok(Number(limited.headers['retry-after']) > 0, 'no Retry-After header');
      assertRefused(
        await browser.post('/login', { email: account.email, password: PASSWORD }, { accept: 'application/json' }),
        429,
        'RATE_LIMITED',
      );
    });
  },
  { LANYARD_RATE_SIGNIN_PER_MINUTE: '3' },
);

forEachBackend(
  'per-address mail limit',
  (ctx) => {
    const forgot = async (email: string) => (await browserOn(ctx(), '/forgot')).post('/forgot', { email });
    // Mails to be delivered; held-back ones are kept (for the dev mailbox) but never sent.
    const queued = async (email: string) =>
      (
        await ctx()
          .lanyard.db.selectFrom('email_outbox')
          .select('id')
          .where('to_address', '=', email)
          .where('held_reason', 'is', null)
          .execute()
      ).length;

    test('an address gets at most 2 mails an hour, the answer does not change, other addresses are unaffected', async () => {
      const [target, bystander] = [await seedAccount(ctx().lanyard), await seedAccount(ctx().lanyard)];
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await forgot(target.email));
      assert.deepEqual(new Set(answers.map((a) => `${a.status} ${a.location}`)), new Set(['303 /email-confirmation']));
      assert.equal(await queued(target.email), 2);
      assert.equal((await forgot(bystander.email)).status, 303);
      assert.equal(await queued(bystander.email), 1);

      ctx().clock.advance(3600_000 + 1000);
      await forgot(target.email);
      assert.equal(await queued(target.email), 3, 'the limit did not reset after an hour');
    });
  },
  { LANYARD_RATE_MAIL_PER_HOUR: '2' },
);
