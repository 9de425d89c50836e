import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PASSWORD, seedAccount, signedInBrowser } from '../support/accounts.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { browserOn } from '../support/pages.js';

const NEW_PASSWORD = 'another long secret';

forEachBackend('change password on /profile', (ctx) => {
  test('the new password works, the old one not, other sessions end, this one stays, owner told', async () => {
    const app = ctx();
    const account = await seedAccount(app.lanyard);
    const here = await signedInBrowser(app, account.email);
    const elsewhere = await signedInBrowser(app, account.email);
    await here.get('/profile');
    const page = await here.post('/profile/password', { current: PASSWORD, password: NEW_PASSWORD });
    assert.equal(page.status, 200);
    assert.match(page.body, /class="notice notice-success"\s+role="status"\s*>\s*<p>Your password has been changed/);

    assert.equal((await here.get('/profile')).status, 200, 'the session that changed it was signed out');
    assert.equal((await elsewhere.get('/profile')).status, 302, 'another session survived the change');
    const login = await browserOn(app, '/login');
    assertRefused(await login.post('/login', { email: account.email, password: PASSWORD }), 401, 'INVALID_CREDENTIALS');
    await signedInBrowser(app, account.email, NEW_PASSWORD);
    await app.mail.waitFor(account.email, (m) => /password was changed/.test(m.subject));
  });

  test('a wrong current password → 401 INVALID_CREDENTIALS, nothing changed', async () => {
    const account = await seedAccount(ctx().lanyard);
    const browser = await signedInBrowser(ctx(), account.email);
    await browser.get('/profile');
    const page = await expectNoChange(ctx().lanyard.db, () =>
      browser.post('/profile/password', { current: 'not my password', password: NEW_PASSWORD }),
    );
    assertRefused(page, 401, 'INVALID_CREDENTIALS');
  });

  test('a too-short new password → 400 PASSWORD_TOO_WEAK, nothing changed', async () => {
    const account = await seedAccount(ctx().lanyard);
    const browser = await signedInBrowser(ctx(), account.email);
    await browser.get('/profile');
    assertRefused(
      await expectNoChange(ctx().lanyard.db, () =>
        browser.post('/profile/password', { current: PASSWORD, password: 'tiny' }),
      ),
      400,
      'PASSWORD_TOO_WEAK',
    );
  });

  test('without a session → 401 AUTH_REQUIRED, nothing changed', async () => {
    const browser = await browserOn(ctx(), '/login');
    assertRefused(
      await expectNoChange(ctx().lanyard.db, () =>
        browser.post('/profile/password', { current: PASSWORD, password: NEW_PASSWORD }),
      ),
      401,
      'AUTH_REQUIRED',
    );
  });

  test('attack: a sign-in with the old password, checked just before the owner changed it, starts no session', async () => {
    const app = ctx();
    const account = await seedAccount(app.lanyard);
    const owner = await signedInBrowser(app, account.email);
    await owner.get('/profile');
    // The thief's hash check passes with the old password; the owner's change commits before the
    // thief's session is written (argon2id takes tens of milliseconds, far more on a busy machine).
    const { hasher } = app.lanyard;
    const verify = hasher.verify.bind(hasher);
    hasher.verify = async (hash, password) => {
      const ok = await verify(hash, password);
      hasher.verify = verify;
      const changed = await owner.post('/profile/password', { current: PASSWORD, password: NEW_PASSWORD });
      assert.equal(changed.status, 200, changed.body.slice(0, 300));
      return ok;
    };
    const thief = await browserOn(app, '/login');
    try {
      assertRefused(
        await thief.post('/login', { email: account.email, password: PASSWORD }),
        401,
        'INVALID_CREDENTIALS',
      );
    } finally {
      hasher.verify = verify;
    }
    const live = await app.lanyard.db
      .selectFrom('session')
      .select('id')
      .where('account_id', '=', account.id)
      .where('revoked_at', 'is', null)
      .execute();
    assert.equal(live.length, 1, "only the owner's session is live");
    assert.equal((await thief.get('/profile')).status, 302, 'the thief is not signed in');
    assert.equal((await owner.get('/profile')).status, 200);
  });
});
