import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from '../support/browser.js';
import { seedAccount, uniqueEmail } from '../support/accounts.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';
import { browserOn } from '../support/pages.js';

/** What an observer of the response can compare: status, target, body and which cookies were set. */
const visible = (page: Page) => ({
  status: page.status,
  location: page.location,
  body: page.body,
  cookies: [page.headers['set-cookie'] ?? []]
    .flat()
    .map((c) => c.split('=')[0])
    .sort(),
});

async function ask(app: TestApp, page: '/register' | '/forgot', email: string) {
  return visible(await (await browserOn(app, page)).post(page, { email }));
}

/** Mails actually sent to an address (a request for an unknown address is recorded, held back, never sent). */
const mailsTo = async (app: TestApp, email: string) =>
  Number(
    (
      await app.lanyard.db
        .selectFrom('email_outbox')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('to_address', '=', email)
        .where('held_reason', 'is', null)
        .executeTakeFirstOrThrow()
    ).n,
  );

forEachBackend('no account enumeration on /register and /forgot', (ctx) => {
  test('/register answers the same for a known and an unknown address; each gets exactly one mail', async () => {
    const known = (await seedAccount(ctx().lanyard)).email;
    const unknown = uniqueEmail('newcomer');
    const [forKnown, forUnknown] = [await ask(ctx(), '/register', known), await ask(ctx(), '/register', unknown)];
    assert.deepEqual(forKnown, forUnknown);
    assert.equal(forKnown.location, '/email-confirmation');
    // The owner is told there is an account (with a reset link); the newcomer gets the sign-up link.
    assert.match((await ctx().mail.waitFor(known)).text, /\/forgot\//);
    assert.match((await ctx().mail.waitFor(unknown)).text, /\/register\//);
    assert.deepEqual([await mailsTo(ctx(), known), await mailsTo(ctx(), unknown)], [1, 1]);
  });

  test('/forgot answers the same for a known and an unknown address; only the account gets mail', async () => {
    const known = (await seedAccount(ctx().lanyard)).email;
    const unknown = uniqueEmail('stranger');
    const [forKnown, forUnknown] = [await ask(ctx(), '/forgot', known), await ask(ctx(), '/forgot', unknown)];
    assert.deepEqual(forKnown, forUnknown);
    assert.equal(forKnown.location, '/email-confirmation');
    assert.match((await ctx().mail.waitFor(known)).text, /\/forgot\//);
    assert.deepEqual([await mailsTo(ctx(), known), await mailsTo(ctx(), unknown)], [1, 0]);
  });
});
