import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from '../support/browser.js';
import { seedAccount, uniqueEmail } from '../support/accounts.js';
import { countRows } from '../support/db-snapshot.js';
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

const mailsTo = (app: TestApp, email: string) => countRows(app.lanyard.db, 'email_outbox', ['to_address', email]);

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
