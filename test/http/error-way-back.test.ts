import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedAccount, signedInBrowser } from '../support/accounts.js';
import { forEachBackend } from '../support/suite.js';

/** The href of the error page's way back, below its error code. */
const wayBack = (body: string) => body.match(/<\/code><\/p>\s*<p><a href="([^"]+)">([^<]+)<\/a>/)?.slice(1);

forEachBackend('the way back from an error page', (ctx) => {
  test('a signed-in person is sent back to their account, not to a sign-in form they do not need', async () => {
    const app = ctx();
    const browser = await signedInBrowser(app, (await seedAccount(app.lanyard)).email);
    for (const [path, status] of [
      ['/admin', 403],
      ['/profile/identities/00000000-0000-0000-0000-000000000000/remove', 404],
    ] as const) {
      const en = await browser.get(`${path}${path.includes('?') ? '&' : '?'}lang=en`);
      assert.equal(en.status, status, path);
      assert.deepEqual(wayBack(en.body), ['/profile', 'Back to your account'], path);
      const de = await browser.get(`${path}?lang=de`);
      assert.deepEqual(wayBack(de.body), ['/profile', 'Zurück zu Ihrem Konto'], path);
    }
  });

  test('a signed-out browser is sent back to sign in', async () => {
    const page = await ctx().browser().get('/register/not-a-token?lang=en');
    assert.ok(page.status >= 400 && page.status < 500, String(page.status));
    assert.deepEqual(wayBack(page.body), ['/login', 'Back to sign-in']);
  });
});
