import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccount } from '../../src/stores/accounts.js';
import { insertIdentity } from '../../src/stores/identities.js';
import type { Browser } from '../support/browser.js';
import { addIdpUser, forEachBackendWithIdp, signInWithOidc } from '../support/oidc.js';

/**
 * "Link to an account I already have" when that account signs in only through a provider: the
 * sign-in page on the way to the review offers the account's own provider (never the one being
 * linked, which would only come back to the same decision), and so does signing in again when the
 * session is older than the re-authentication window.
 */
forEachBackendWithIdp('linking a new identity into an account that has no password', (ctx) => {
  /** An account whose only way in is the `lab` provider, and its subject there. */
  const labOnlyAccount = async () => {
    const { app, idp } = ctx();
    const now = app.lanyard.clock.now();
    const labSub = addIdpUser(idp, { email: `lab-${now.getTime()}@lab.example`, email_verified: true });
    const account = await createAccount(
      app.lanyard.db,
      { email: `lab-only-${labSub}@lab.example`, email_verified_at: now, given_name: 'Lab' },
      now,
    );
    await insertIdentity(app.lanyard.db, account.id, { provider: 'lab', subject: labSub, issuer: idp.issuer }, now);
    return { account, labSub };
  };
  const identityOf = (provider: string, subject: string) =>
    ctx()
      .app.lanyard.db.selectFrom('identity')
      .select('account_id')
      .where('provider', '=', provider)
      .where('subject', '=', subject)
      .executeTakeFirst();

  /** A first sign-in with `uni` in this browser that gives no email: its registration's review path. */
  const pendingUni = async (browser: Browser) => {
    const idpOrigin = new URL(ctx().idp.issuer).origin;
    browser.clearCookies(idpOrigin);
    const uniSub = addIdpUser(ctx().idp, {});
    const back = await signInWithOidc(browser, uniSub);
    assert.match(back.location ?? '', /^\/external-login\/[A-Za-z0-9_-]{43}$/);
    // Signed out at the IdP, as someone who next picks another of their accounts there.
    browser.clearCookies(idpOrigin);
    return { uniSub, review: `/review-account/${back.location!.split('/').pop()}` };
  };

  /** Signing in through `lab` on the way to the review comes back to it, and the review links. */
  const signInWithLabAndLink = async (browser: Browser, labSub: string, review: string) => {
    const back = await signInWithOidc(browser, labSub, { provider: 'lab', returnTo: review });
    assert.equal(back.location, review);
    assert.equal((await browser.get(review)).status, 200);
    const merged = await browser.post(review, { email: 'current' });
    assert.equal(merged.status, 303, merged.body.slice(0, 300));
  };

  test('signed out: the sign-in page offers the account’s own provider, not the one being linked; the link completes', async () => {
    const { account, labSub } = await labOnlyAccount();
    const browser = ctx().app.browser();
    const { uniSub, review } = await pendingUni(browser);
    const page = await browser.get(`/login?returnTo=${encodeURIComponent(review)}&lang=en`);
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`href="/auth/lab\\?returnTo=${encodeURIComponent(review)}"`));
    assert.doesNotMatch(page.body, /href="\/auth\/uni\?/, 'the provider being linked is not offered');
    assert.match(page.body, /Sign in to the account you want to link to/);

    await signInWithLabAndLink(browser, labSub, review);
    assert.equal((await identityOf('uni', uniSub))?.account_id, account.id);
  });

  test('a stale session signs in again with the account’s own provider and the review goes on', async () => {
    const { app } = ctx();
    const { account, labSub } = await labOnlyAccount();
    const browser = app.browser();
    const signedIn = await signInWithOidc(browser, labSub, { provider: 'lab' });
    assert.equal(signedIn.location, '/profile');
    app.clock.advance(app.config.reauthSeconds * 1000 + 1000);
    const { uniSub, review } = await pendingUni(browser);
    const again = `/login?reauth=1&returnTo=${encodeURIComponent(review)}`;
    assert.equal((await browser.get(review)).location, again);
    const page = await browser.get(`${again}&lang=en`);
    assert.match(page.body, /href="\/auth\/lab\?returnTo=/);
    assert.doesNotMatch(page.body, /href="\/auth\/uni\?/);

    await signInWithLabAndLink(browser, labSub, review);
    assert.equal((await identityOf('uni', uniSub))?.account_id, account.id);
  });

  test('a used, unknown or malformed token in the return path offers every provider and changes nothing', async () => {
    const browser = ctx().app.browser();
    for (const token of ['A'.repeat(43), 'not-a-token', '../profile']) {
      const page = await browser.get(`/login?returnTo=${encodeURIComponent(`/review-account/${token}`)}&lang=en`);
      assert.equal(page.status, 200);
      assert.match(page.body, /href="\/auth\/uni\?/);
      assert.match(page.body, /href="\/auth\/lab\?/);
    }
  });
});
