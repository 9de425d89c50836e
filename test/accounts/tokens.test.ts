import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mailedLink, PASSWORD, seedAccount, uniqueEmail } from '../support/accounts.js';
import { countRows, expectNoChange } from '../support/db-snapshot.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { browserOn } from '../support/pages.js';

const names = { givenName: 'Grace', familyName: 'Hopper', password: PASSWORD, passwordConfirm: PASSWORD };
const reset = { password: 'a brand new secret', passwordConfirm: 'a brand new secret' };

forEachBackend('mailed tokens are checked on every use', (ctx) => {
  const unchanged = <T>(action: () => Promise<T>) => expectNoChange(ctx().lanyard.db, action);

  const openForm = (link: string) => browserOn(ctx(), link);

  test('a REGISTER link older than 24 h → 401 TOKEN_EXPIRED, on opening and on submitting', async () => {
    const email = uniqueEmail('late');
    const link = await mailedLink(ctx(), '/register', email);
    const browser = await openForm(link);
    ctx().clock.advance(24 * 3600_000 + 1000);
    assertRefused(await unchanged(() => ctx().browser().get(link)), 401, 'TOKEN_EXPIRED');
    assertRefused(await unchanged(() => browser.post(link, names)), 401, 'TOKEN_EXPIRED');
    assert.equal(await countRows(ctx().lanyard.db, 'account', ['email', email]), 0);
  });

  test('a FORGOT link older than 1 h → 401 TOKEN_EXPIRED and the password stays', async () => {
    const account = await seedAccount(ctx().lanyard);
    const link = await mailedLink(ctx(), '/forgot', account.email);
    const browser = await openForm(link);
    ctx().clock.advance(3600_000 + 1000);
    assertRefused(await unchanged(() => browser.post(link, reset)), 401, 'TOKEN_EXPIRED');
  });

  test('a REGISTER link used twice → 401 TOKEN_CONSUMED, and no second account', async () => {
    const email = uniqueEmail('twice');
    const link = await mailedLink(ctx(), '/register', email);
    const second = await openForm(link);
    const first = await openForm(link);
    assert.equal((await first.post(link, names)).status, 303);
    assertRefused(await unchanged(() => ctx().browser().get(link)), 401, 'TOKEN_CONSUMED');
    assertRefused(await unchanged(() => second.post(link, names)), 401, 'TOKEN_CONSUMED');
    assert.equal(await countRows(ctx().lanyard.db, 'account', ['email', email]), 1);
  });

  test('a FORGOT link used twice → 401 TOKEN_CONSUMED', async () => {
    const account = await seedAccount(ctx().lanyard);
    const link = await mailedLink(ctx(), '/forgot', account.email);
    const second = await openForm(link);
    assert.equal((await (await openForm(link)).post(link, reset)).status, 303);
    assertRefused(
      await unchanged(() =>
        second.post(link, { password: 'yet another secret', passwordConfirm: 'yet another secret' }),
      ),
      401,
      'TOKEN_CONSUMED',
    );
  });

  test('a made-up or malformed token → 401 TOKEN_INVALID', async () => {
    const browser = ctx().browser();
    for (const token of ['A'.repeat(43), 'short', 'not_base64url_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!']) {
      assertRefused(await unchanged(() => browser.get(`/register/${encodeURIComponent(token)}`)), 401, 'TOKEN_INVALID');
      assertRefused(await unchanged(() => browser.get(`/forgot/${encodeURIComponent(token)}`)), 401, 'TOKEN_INVALID');
    }
  });

  test('a REGISTER token on the reset page → 401 TOKEN_WRONG_TYPE', async () => {
    const link = await mailedLink(ctx(), '/register', uniqueEmail('mixup'));
    const token = new URL(link).pathname.split('/').pop()!;
    assertRefused(await unchanged(() => ctx().browser().get(`/forgot/${token}`)), 401, 'TOKEN_WRONG_TYPE');
  });
});
