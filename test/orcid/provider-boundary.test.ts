import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countRows } from '../support/db-snapshot.js';
import { addOrcidUser, createAccountWithOrcid, createPasswordAccount, signInWithOrcid } from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';
import { withOrcid } from '../support/test-app.js';

/**
 * The provider boundary (docs/security.md): what a provider sends is cleaned before the broker or a
 * column sees it. Names with a NUL, an unpaired surrogate or control characters never cause a 500;
 * an address that is not exactly one address is dropped, so it can neither open an account nor
 * receive a mail.
 */
forEachBackend(
  'provider data at the provider boundary',
  (ctx) => {
    const registrationOf = (app: TestApp, orcid: string) =>
      app.lanyard.db.selectFrom('registration').selectAll().where('subject', '=', orcid).executeTakeFirstOrThrow();

    test('a NUL, an unpaired surrogate and control characters in ORCID names: no 500, names cleaned', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {
        givenNames: 'Ada\u0000\u0007',
        familyName: 'Love\uD800lace\u202E',
        creditName: 'Ada\r\nLovelace\uDFFF',
        emails: [{ email: 'ada.nul@uni.example', visibility: 'public', verified: true }],
      });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      assert.equal(back.status, 303, back.body.slice(0, 300));
      assert.match(back.location!, /^\/external-login\//);
      const reg = await registrationOf(app, orcid);
      assert.equal(reg.profile.givenName, 'Ada');
      assert.equal(reg.profile.familyName, 'Love\uFFFDlace');
      assert.equal(reg.profile.displayName, 'Ada Lovelace\uFFFD');
      assert.equal((await browser.get(back.location!)).status, 200);
      // Create the account, then sign in again: the identity's snapshot is refreshed from the same data.
      assert.equal((await browser.post(`${back.location}/create`, {})).location, '/profile');
      const again = await signInWithOrcid(app.browser(), orcid);
      assert.equal(again.location, '/profile', `${again.status} ${again.body.slice(0, 300)}`);
      const account = await app.lanyard.db
        .selectFrom('account')
        .selectAll()
        .where('email', '=', 'ada.nul@uni.example')
        .executeTakeFirstOrThrow();
      assert.deepEqual([account.given_name, account.family_name], ['Ada', 'Love\uFFFDlace']);
    });

    test('a returning iD whose ORCID name gains a NUL still signs in', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'later.nul@uni.example', visibility: 'public', verified: true }],
      });
      await createAccountWithOrcid(app.browser(), orcid);
      app.orcid!.state.users.get(orcid)!.name.givenNames = 'Later\u0000';
      const again = await signInWithOrcid(app.browser(), orcid);
      assert.equal(again.location, '/profile', `${again.status} ${again.body.slice(0, 300)}`);
    });

    for (const [name, evil] of [
      ['a header injection', (victim: string) => `${victim}\r\nBcc: attacker@evil.example`],
      ['a list of two', (victim: string) => `${victim}, attacker@evil.example`],
      ['a display name', () => '"Victim" <attacker@evil.example>'],
      ['two @', (victim: string) => `${victim}@evil.example`],
    ] as const) {
      test(`an ORCID “verified” address that is ${name} is dropped: no link, no account, no mail`, async () => {
        const app = ctx();
        const victim = await createPasswordAccount(app, `victim.${name.replaceAll(' ', '-')}@uni.example`);
        const orcid = addOrcidUser(app, {
          emails: [{ email: evil(victim.email), visibility: 'public', verified: true }],
        });
        const browser = app.browser();
        const back = await signInWithOrcid(browser, orcid);
        assert.match(back.location ?? '', /^\/external-login\//, `${back.status} ${back.location}`);
        const reg = await registrationOf(app, orcid);
        assert.equal(reg.email, null, 'nothing usable was released: "we need your email"');
        assert.deepEqual(reg.profile.emails, []);
        const page = await browser.get(back.location!);
        assert.doesNotMatch(page.body, /Create my account/);
        assert.doesNotMatch(page.body, /evil\.example/);
        assert.equal(await countRows(app.lanyard.db, 'identity', ['account_id', victim.id]), 1, 'only the password');
        const outbox = await app.lanyard.db.selectFrom('email_outbox').select('to_address').execute();
        assert.ok(!outbox.some((m) => /evil/.test(m.to_address)), 'no mail to the attacker');
      });
    }

    test('a broken primary address is dropped and the next verified one is used', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {
        emails: [
          { email: '"Bob" <bob@evil.example>', visibility: 'public', verified: true, primary: true },
          { email: 'Bob.Real@Uni.Example', visibility: 'public', verified: true },
        ],
      });
      const back = await signInWithOrcid(app.browser(), orcid);
      assert.match(back.location ?? '', /^\/external-login\//);
      assert.equal((await registrationOf(app, orcid)).email, 'bob.real@uni.example');
    });
  },
  withOrcid,
);
