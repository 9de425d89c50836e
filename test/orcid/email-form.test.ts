import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectNoChange } from '../support/db-snapshot.js';
import { addOrcidUser, createPasswordAccount, signInWithOrcid } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';
import { withOrcid } from '../support/test-app.js';
import { ApiClient } from '../api/support/api-client.js';

/**
 * One form of an email address (docs/security.md): a provider's address opens an account only when
 * it is the same mailbox, and "Create my account" is offered only when the create will succeed.
 * Attacks from an outside run: Unicode letters that `toLowerCase()` or SQL `lower()` fold to ASCII.
 */
forEachBackend(
  'one form of an email address',
  (ctx) => {
    /** An account as a release before the canonical form could have stored it (any letters). */
    const legacyAccount = async (app: TestApp, email: string) =>
      app.lanyard.db
        .insertInto('account')
        .values({ email, email_verified_at: app.clock.now(), updated_at: app.clock.now() })
        .returningAll()
        .executeTakeFirstOrThrow();
    const orcidIdentityOf = (app: TestApp, accountId: string) =>
      app.lanyard.db
        .selectFrom('identity')
        .select('subject')
        .where('account_id', '=', accountId)
        .where('provider', '=', 'orcid')
        .execute();
    const registrationOf = (app: TestApp, orcid: string) =>
      app.lanyard.db.selectFrom('registration').selectAll().where('subject', '=', orcid).executeTakeFirstOrThrow();
    const orcidWith = (app: TestApp, email: string) =>
      addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }] });

    test('an ORCID address with the Kelvin sign (\\u212Aate@) does not open the account Kate@', async () => {
      const app = ctx();
      const victim = await createPasswordAccount(app, 'Kate@kelvin.example');
      const attacker = orcidWith(app, '\u212Aate@kelvin.example');
      const back = await signInWithOrcid(app.browser(), attacker);
      assert.match(back.location ?? '', /^\/external-login\//, `${back.status} ${back.location}`);
      assert.deepEqual(await orcidIdentityOf(app, victim.id), [], 'the victim’s account got no ORCID iD');
      const reg = await registrationOf(app, attacker);
      assert.equal(reg.email, null, 'a non-ASCII address is not an address here: dropped, not offered');
    });

    test('an ORCID address isa@ does not open the account İsa@ (U+0130), and creating its own account works', async () => {
      const app = ctx();
      const victim = await legacyAccount(app, 'İsa@dotted.example');
      const attacker = orcidWith(app, 'isa@dotted.example');
      const browser = app.browser();
      const back = await signInWithOrcid(browser, attacker);
      assert.match(back.location ?? '', /^\/external-login\//, `${back.status} ${back.location}`);
      assert.deepEqual(await orcidIdentityOf(app, victim.id), []);
      assert.match((await browser.get(back.location!)).body, /Create my account/);
      const created = await browser.post(`${back.location}/create`, {});
      assert.equal(created.location, '/profile', `${created.status} ${created.body.slice(0, 300)}`);
      const emails = await app.lanyard.db
        .selectFrom('account')
        .select('email')
        .where('email', 'in', ['İsa@dotted.example', 'isa@dotted.example'])
        .orderBy('email')
        .execute();
      assert.deepEqual(
        emails.map((e) => e.email),
        ['isa@dotted.example', 'İsa@dotted.example'],
      );
    });

    test('the other way round: an ORCID address kate@ does not open the account \\u212Aate@; create offered and works', async () => {
      const app = ctx();
      const victim = await legacyAccount(app, '\u212Aate@kelvin2.example');
      const attacker = orcidWith(app, 'kate@kelvin2.example');
      const browser = app.browser();
      const back = await signInWithOrcid(browser, attacker);
      assert.match(back.location ?? '', /^\/external-login\//, `${back.status} ${back.location}`);
      assert.deepEqual(await orcidIdentityOf(app, victim.id), []);
      assert.match((await browser.get(back.location!)).body, /Create my account/);
      const created = await browser.post(`${back.location}/create`, {});
      assert.equal(created.location, '/profile', `never an offer that ends in 409: ${created.status}`);
    });

    test('an ORCID address equal to a legacy non-ASCII account’s is dropped: no "Create my account" that ends in 409', async () => {
      const app = ctx();
      const owner = await legacyAccount(app, 'Jürgen@umlaut.example');
      const orcid = orcidWith(app, 'Jürgen@umlaut.example');
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      assert.match(back.location ?? '', /^\/external-login\//, `${back.status} ${back.location}`);
      const page = await browser.get(back.location!);
      assert.doesNotMatch(page.body, /Create my account/);
      assert.equal((await registrationOf(app, orcid)).email, null);
      assert.deepEqual(await orcidIdentityOf(app, owner.id), []);
    });

    test('ASCII letters still fold: ORCID’s Grace.Hopper@Navy.Example opens grace.hopper@navy.example', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, 'grace.hopper@navy.example');
      const orcid = orcidWith(app, 'Grace.Hopper@Navy.Example');
      const back = await signInWithOrcid(app.browser(), orcid, { returnTo: '/profile' });
      assert.equal(back.location, '/profile');
      assert.deepEqual(await orcidIdentityOf(app, account.id), [{ subject: orcid }]);
    });

    test('an account made from a provider’s address stores and shows its canonical form', async () => {
      const app = ctx();
      const orcid = orcidWith(app, ' Ada.Byron@Analytical.Example ');
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      assert.match((await browser.get(back.location!)).body, /ada\.byron@analytical\.example/);
      assert.equal((await browser.post(`${back.location}/create`, {})).location, '/profile');
      assert.match((await browser.get('/profile')).body, /ada\.byron@analytical\.example/);
      assert.ok(
        await app.lanyard.db
          .selectFrom('account')
          .select('id')
          .where('email', '=', 'ada.byron@analytical.example')
          .executeTakeFirst(),
      );
    });

    test('a trailing dot in the domain is not an address: an ORCID kate@example.org. opens nothing', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, 'kate@trailing.example');
      const orcid = orcidWith(app, 'kate@trailing.example.');
      const back = await signInWithOrcid(app.browser(), orcid);
      assert.match(back.location ?? '', /^\/external-login\//);
      assert.equal((await registrationOf(app, orcid)).email, null);
      assert.deepEqual(await orcidIdentityOf(app, account.id), []);
    });

    // The REST API answers INVALID_EMAIL with DSpace's 422 (docs/api.md); the pages with 400.
    test('typed internationalised addresses and trailing dots → INVALID_EMAIL, nothing changed', async () => {
      const app = ctx();
      const client = await ApiClient.for(app);
      for (const email of [
        'İsa@dotted.example',
        '\u212Aate@kelvin.example',
        'jürgen@umlaut.example',
        'kate@x.example.',
      ])
        await expectNoChange(app.lanyard.db, async () =>
          assertRefused(
            await client.post('/api/eperson/registrations?accountRequestType=register', { json: { email } }),
            422,
            'INVALID_EMAIL',
          ),
        );
    });

    test('a typed address in other capitals is the same account: reset link, no second account', async () => {
      const app = ctx();
      await createPasswordAccount(app, 'casey@caps.example');
      const client = await ApiClient.for(app);
      const sent = await client.post('/api/eperson/registrations?accountRequestType=register', {
        json: { email: '  CASEY@Caps.Example ' },
      });
      assert.equal(sent.status, 201);
      const mail = await app.mail.waitFor('casey@caps.example');
      assert.match(mail.text, /\/forgot\//);
    });
  },
  withOrcid,
);
