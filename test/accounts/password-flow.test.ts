import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkIn } from '../support/mail-catcher.js';
import { forEachBackend } from '../support/suite.js';

forEachBackend('password accounts', (ctx) => {
  test('register → mailed link → names and password → signed in → sign out → sign in', async () => {
    const { mail, browser: makeBrowser, lanyard } = ctx();
    const db = () => lanyard.db;
    const browser = makeBrowser();
    await browser.get('/register');
    const sent = await browser.post('/register', { email: 'Ada@Example.org' });
    assert.equal(sent.status, 303);
    assert.equal(sent.location, '/email-confirmation');

    const link = linkIn(await mail.waitFor('Ada@Example.org'), '/register/');
    const form = await browser.get(link);
    assert.equal(form.status, 200);
    // Typed in any capitals, kept and shown in the one canonical form (docs/security.md).
    assert.match(form.body, /ada@example\.org/);
    const done = await browser.post(link, {
      givenName: 'Ada',
      familyName: 'Lovelace',
      password: 'correct horse battery',
      passwordConfirm: 'correct horse battery',
    });
    assert.equal(done.status, 303);
    assert.equal(done.location, '/profile');

    const profile = await browser.get('/profile');
    assert.equal(profile.status, 200);
    assert.match(profile.body, /Ada Lovelace/);
    assert.match(profile.body, /verified/);
    const account = await db()
      .selectFrom('account')
      .selectAll()
      .where('email', '=', 'ada@example.org')
      .executeTakeFirstOrThrow();
    assert.ok(account.email_verified_at);

    await browser.post('/logout', {});
    assert.equal((await browser.get('/profile')).status, 302);

    await browser.get('/login');
    const bad = await browser.post('/login', { email: 'ada@example.org', password: 'wrong password!' });
    assert.equal(bad.status, 401);
    assert.match(bad.body, /data-error-code="INVALID_CREDENTIALS"/);
    const good = await browser.post('/login', { email: 'ada@example.org', password: 'correct horse battery' });
    assert.equal(good.status, 303);
    assert.equal((await browser.get('/profile')).status, 200);
  });
});
