import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mailedLink, PASSWORD, seedAccount, sessionCookie, signedInBrowser } from '../support/accounts.js';
import { countRows, expectNoChange } from '../support/db-snapshot.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { browserOn } from '../support/pages.js';

const NEW_PASSWORD = 'a brand new secret';

forEachBackend('forgotten password', (ctx) => {
  test('forgot → mailed link → new password: signed in, every older session revoked, owner told', async () => {
    const app = ctx();
    const account = await seedAccount(app.lanyard);
    const laptop = await signedInBrowser(app, account.email);
    const phone = await signedInBrowser(app, account.email);

    const link = await mailedLink(app, '/forgot', account.email);
    const browser = await browserOn(app, link);
    const done = await browser.post(link, { password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    assert.equal(done.status, 303);
    assert.equal(done.location, '/profile');
    assert.equal((await browser.get('/profile')).status, 200);
    assert.ok(sessionCookie(app, browser));

    for (const old of [laptop, phone])
      assert.equal((await old.get('/profile')).status, 302, 'an older session still works');
    const live = await app.lanyard.db
      .selectFrom('session')
      .select('id')
      .where('account_id', '=', account.id)
      .where('revoked_at', 'is', null)
      .execute();
    assert.equal(live.length, 1);

    const oldPassword = await browserOn(app, '/login');
    assert.equal((await oldPassword.post('/login', { email: account.email, password: PASSWORD })).status, 401);
    await signedInBrowser(app, account.email, NEW_PASSWORD);

    const notice = await app.mail.waitFor(account.email, (m) => /password was changed/.test(m.subject));
    assert.match(notice.text, /If this was not you/);
    assert.equal(await countRows(app.lanyard.db, 'audit_event', ['action', 'password_reset']), 1);
  });

  test('different passwords in the two fields → 400, nothing changed, the link still works', async () => {
    const account = await seedAccount(ctx().lanyard);
    const link = await mailedLink(ctx(), '/forgot', account.email);
    const browser = await browserOn(ctx(), link);
    const page = await expectNoChange(ctx().lanyard.db, () =>
      browser.post(link, { password: NEW_PASSWORD, passwordConfirm: `${NEW_PASSWORD}!` }),
    );
    assertRefused(page, 400, 'VALIDATION_FAILED');
    assert.equal((await browser.post(link, { password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD })).status, 303);
  });

  test('a too-short new password → 400 PASSWORD_TOO_WEAK, nothing changed', async () => {
    const account = await seedAccount(ctx().lanyard);
    const link = await mailedLink(ctx(), '/forgot', account.email);
    const browser = await browserOn(ctx(), link);
    const page = await expectNoChange(ctx().lanyard.db, () =>
      browser.post(link, { password: 'short', passwordConfirm: 'short' }),
    );
    assertRefused(page, 400, 'PASSWORD_TOO_WEAK');
  });
});
