import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser } from '../support/browser.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { addOrcidUser, createPasswordAccount, signInWithOrcid, signInWithPassword } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now().toString(36)}@stale.example`;

/**
 * A session someone else got hold of (a browser left signed in, a stolen cookie) is not a fresh
 * sign-in: it must not add a way into the account, nor give the account another email — the same
 * rule as adding a password or changing the email on /profile (docs/security.md, "Sensitive
 * actions need a fresh sign-in"). The attacker holds the victim's session in their own browser
 * and signs in with their own ORCID iD, whose verified public email no account uses.
 */
forEachBackend(
  'a stale session adds no way into the account',
  (ctx) => {
    const db = () => ctx().lanyard.db;
    const accountOf = (id: string) =>
      db().selectFrom('account').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const identityOf = (orcid: string) =>
      db()
        .selectFrom('identity')
        .selectAll()
        .where('provider', '=', 'orcid')
        .where('subject', '=', orcid)
        .executeTakeFirst();

    /** The victim's session, older than LANYARD_REAUTH_SECONDS, in the attacker's browser. */
    const staleVictimSession = async (app: TestApp) => {
      const victim = await createPasswordAccount(app, unique('victim'));
      const browser = app.browser();
      await signInWithPassword(browser, victim.email);
      app.clock.advance(app.config.reauthSeconds * 1000 + 1000);
      return { victim, browser };
    };

    /** The attacker's own ORCID sign-in in that browser: a registration with the attacker's verified email. */
    const attackerRegistration = async (app: TestApp, browser: Browser) => {
      const email = unique('attacker');
      const orcid = addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }] });
      const back = await signInWithOrcid(browser, orcid);
      assert.match(back.location ?? '', /^\/external-login\/[A-Za-z0-9_-]{43}$/);
      return { orcid, email, token: back.location!.split('/').pop()! };
    };

    test('the review page and the merge send a stale session to sign in again; nothing is linked, the email stays', async () => {
      const app = ctx();
      const { victim, browser } = await staleVictimSession(app);
      const { orcid, token } = await attackerRegistration(app, browser);
      const review = `/review-account/${token}`;
      const again = `/login?reauth=1&returnTo=${encodeURIComponent(review)}`;
      await browser.get('/profile'); // a CSRF field of this browser
      await expectNoChange(db(), async () => {
        assert.equal((await browser.get(review)).location, again);
        const merged = await browser.post(review, { email: 'received', givenName: 'received' });
        assert.equal(merged.status, 303);
        assert.equal(merged.location, again);
      });
      assert.equal(await identityOf(orcid), undefined);
      assert.equal((await accountOf(victim.id)).email, victim.email);

      // The owner, signing in again, links the iD on the same link — fresh now.
      const signedIn = await signInWithPassword(browser, victim.email, undefined, review);
      assert.equal(signedIn.location, review);
      assert.equal((await browser.get(review)).status, 200);
      const merged = await browser.post(review, { email: 'current' });
      assert.equal(merged.status, 303, merged.body.slice(0, 300));
      assert.equal((await identityOf(orcid))?.account_id, victim.id);
    });

    test('the REST API merge refuses a stale session with 401 REAUTH_REQUIRED, nothing changed', async () => {
      const app = ctx();
      const { victim, browser } = await staleVictimSession(app);
      const { orcid, token } = await attackerRegistration(app, browser);
      const json = { accept: 'application/json' };
      const xsrf = (await browser.get('/api/authn/status', json)).headers['dspace-xsrf-token'] as string;
      const merge = () =>
        browser.request('POST', `/api/eperson/epersons/${victim.id}?token=${token}&override=email`, undefined, {
          ...json,
          'x-xsrf-token': xsrf,
        });
      await expectNoChange(db(), async () => assertRefused(await merge(), 401, 'REAUTH_REQUIRED'));
      assert.equal(await identityOf(orcid), undefined);
      assert.equal((await accountOf(victim.id)).email, victim.email);
    });

    test('"Connect ORCID" on the account page sends a stale session to sign in again; nothing is linked', async () => {
      const app = ctx();
      const { victim, browser } = await staleVictimSession(app);
      const orcid = addOrcidUser(app, { emails: [] });
      await browser.get('/profile');
      await expectNoChange(db(), async () => {
        const start = await browser.post('/profile/link/orcid', {});
        assert.equal(start.status, 303);
        assert.equal(start.location, `/login?reauth=1&returnTo=${encodeURIComponent('/profile')}`);
      });
      assert.equal(await identityOf(orcid), undefined);

      await signInWithPassword(browser, victim.email, undefined, '/profile');
      await browser.get('/profile');
      const back = await signInWithOrcid(browser, orcid, { form: {} });
      assert.equal(back.location, '/profile');
      assert.equal((await identityOf(orcid))?.account_id, victim.id);
    });

    test('taking the received email on review tells the old address and ends the links on their way to it', async () => {
      const app = ctx();
      const victim = await createPasswordAccount(app, unique('mover'));
      const browser = app.browser();
      // A password reset link is on its way to the old address.
      await browser.get('/forgot');
      await browser.post('/forgot', { email: victim.email });
      const reset = await db()
        .selectFrom('registration')
        .select(['id', 'expires_at'])
        .where('account_id', '=', victim.id)
        .where('type', '=', 'FORGOT')
        .executeTakeFirstOrThrow();
      const { orcid, email, token } = await attackerRegistration(app, browser);
      const review = `/review-account/${token}`;
      await signInWithPassword(browser, victim.email, undefined, review);
      await browser.get(review);
      const merged = await browser.post(review, { email: 'received' });
      assert.equal(merged.status, 303, merged.body.slice(0, 300));
      assert.equal((await identityOf(orcid))?.account_id, victim.id);
      assert.equal((await accountOf(victim.id)).email, email);
      const notice = await db()
        .selectFrom('email_outbox')
        .select(['to_address', 'held_reason'])
        .where('kind', '=', 'email_changed')
        .where('to_address', '=', victim.email)
        .executeTakeFirst();
      assert.ok(notice, 'the old address is told its account moved to another one');
      assert.equal(notice.held_reason, null);
      const after = await db()
        .selectFrom('registration')
        .select('expires_at')
        .where('id', '=', reset.id)
        .executeTakeFirstOrThrow();
      assert.ok(after.expires_at <= app.clock.now(), 'the reset link sent to the old address no longer works');
    });
  },
  withOrcid,
);
