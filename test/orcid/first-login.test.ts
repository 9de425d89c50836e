import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkIn } from '../support/mail-catcher.js';
import { addOrcidUser, createPasswordAccount, signInWithOrcid, signInWithPassword } from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';

/** Every branch of docs/design.md, end to end: browser → Lanyard → ORCID emulator → Lanyard. */
forEachBackend(
  'first ORCID sign-in',
  (ctx) => {
    const identities = (orcid: string) =>
      ctx()
        .lanyard.db.selectFrom('identity')
        .selectAll()
        .where('provider', '=', 'orcid')
        .where('subject', '=', orcid)
        .execute();
    const accountsWith = (email: string) =>
      ctx().lanyard.db.selectFrom('account').selectAll().where('email', '=', email).execute();

    test('case 4: a verified public email no account uses → create my account → signed in; case 1: the second sign-in lands directly', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {
        givenNames: 'Grace',
        familyName: 'Hopper',
        emails: [{ email: 'grace@navy.example', visibility: 'public', verified: true }],
      });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      assert.equal(back.status, 303);
      assert.match(back.location!, /^\/external-login\/[A-Za-z0-9_-]{43}$/);
      const page = await browser.get(back.location!);
      assert.equal(page.status, 200);
      assert.match(page.body, new RegExp(`${app.orcid!.siteUrl}/${orcid}`));
      assert.match(page.body, /grace@navy\.example/);
      assert.match(page.body, /Create my account/);
      const created = await browser.post(`${back.location}/create`, {});
      assert.equal(created.status, 303);
      assert.equal(created.location, '/profile');
      const [account] = await accountsWith('grace@navy.example');
      assert.ok(account?.email_verified_at, 'ORCID verified the email: the account starts verified');
      assert.equal(account?.given_name, 'Grace');
      assert.equal((await identities(orcid)).length, 1);

      const again = app.browser();
      const second = await signInWithOrcid(again, orcid);
      assert.equal(second.status, 303);
      assert.equal(second.location, '/profile');
      assert.equal((await again.get('/profile')).status, 200);
    });

    test('a double click on "Create my account" or "Send the link": the second request is told what the first did, once, in that browser only', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'double@click.example', visibility: 'public', verified: true }],
      });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      await browser.get(back.location!);
      const sessionBefore = browser.cookie('lanyard-session');
      const created = await browser.post(`${back.location}/create`, {});
      assert.equal(created.location, '/profile');
      // The second click's request left before the first one's cookie arrived: told to sign in.
      const signedIn = browser.cookie('lanyard-session');
      assert.ok(signedIn && signedIn !== sessionBefore, 'the first request signed in');
      browser.setCookie('lanyard-session', sessionBefore ?? '');
      const repeat = await browser.post(`${back.location}/create`, {});
      assert.equal(repeat.status, 303, repeat.body.slice(0, 300));
      assert.match(repeat.location!, /^\/login/);
      assert.equal((await accountsWith('double@click.example')).length, 1, 'one account');
      // Its cookie arrived: straight on, signed in.
      browser.setCookie('lanyard-session', signedIn!);
      const signedInRepeat = await browser.post(`${back.location}/create`, {});
      assert.equal(signedInRepeat.location, '/profile');
      // Another browser with the same link: used, as before.
      const other = app.browser();
      await other.get('/login');
      const refused = await other.post(`${back.location}/create`, {});
      assert.equal(refused.status, 401);
      assert.match(refused.body, /TOKEN_CONSUMED/);

      // "Send the link" twice: one mail, and the second request lands on the same page.
      const quiet = addOrcidUser(app, { emails: [] });
      const b = app.browser();
      const start = await signInWithOrcid(b, quiet);
      await b.get(start.location!);
      const first = await b.post(`${start.location}/email`, { email: 'twice@click.example' });
      assert.equal(first.location, '/email-confirmation');
      const second = await b.post(`${start.location}/email`, { email: 'twice@click.example' });
      assert.equal(second.status, 303, second.body.slice(0, 300));
      assert.equal(second.location, '/email-confirmation');
      const queued = await app.lanyard.db
        .selectFrom('email_outbox')
        .select('id')
        .where('to_address', '=', 'twice@click.example')
        .execute();
      assert.equal(queued.length, 1, 'one mail');

      // A minute later the token is simply used.
      app.clock.advance(61_000);
      const late = await b.post(`${start.location}/email`, { email: 'twice@click.example' });
      assert.equal(late.status, 401);
    });

    test('case 3: a verified email matching a verified account links and signs in, and the account gets a security notice', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, 'linus@kernel.example');
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'Linus@Kernel.example', visibility: 'public', verified: true }],
      });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid, { returnTo: '/profile' });
      assert.equal(back.status, 303);
      assert.equal(back.location, '/profile');
      const [identity] = await identities(orcid);
      assert.equal(identity?.account_id, account.id);
      const notice = await app.mail.waitFor('linus@kernel.example', (m) => /linked/i.test(m.subject));
      assert.match(notice.text, new RegExp(orcid));
    });

    test('case 3 on any verified address ORCID releases: the account of a second verified email is linked, not duplicated', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, 'ada@old-uni.example');
      const orcid = addOrcidUser(app, {
        emails: [
          { email: 'ada@new-uni.example', visibility: 'public', verified: true, primary: true },
          { email: 'Ada@Old-Uni.example', visibility: 'public', verified: true },
        ],
      });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid, { returnTo: '/profile' });
      assert.equal(back.status, 303);
      assert.equal(back.location, '/profile', 'signed in to the account of the second address, no "Create my account"');
      const [identity] = await identities(orcid);
      assert.equal(identity?.account_id, account.id);
      assert.equal((await accountsWith('ada@new-uni.example')).length, 0);
      const notice = await app.mail.waitFor('ada@old-uni.example', (m) => /linked/i.test(m.subject));
      assert.match(notice.text, new RegExp(orcid));
    });

    test('an unverified second ORCID address never links, even when it is an account’s', async () => {
      const app = ctx();
      await createPasswordAccount(app, 'bob@old-uni.example');
      const orcid = addOrcidUser(app, {
        emails: [
          { email: 'bob@new-uni.example', visibility: 'public', verified: true, primary: true },
          { email: 'bob@old-uni.example', visibility: 'public', verified: false },
        ],
      });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      assert.match(back.location!, /^\/external-login\//);
      assert.equal((await identities(orcid)).length, 0);
    });

    test('case 3 refused when the account never verified its own email: treated as "we need your email"', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, 'unverified@acct.example', { verified: false });
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'unverified@acct.example', visibility: 'public', verified: true }],
      });
      const back = await signInWithOrcid(app.browser(), orcid);
      assert.match(back.location!, /^\/external-login\//);
      assert.equal((await identities(orcid)).length, 0);
      const reg = await app.lanyard.db
        .selectFrom('registration')
        .selectAll()
        .where('subject', '=', orcid)
        .executeTakeFirstOrThrow();
      assert.equal(reg.email, null, 'the matching address is not offered for account creation');
      assert.ok(account);
    });

    test('case 5: private email → email typed → EXTERNAL link mailed → account created → signed in', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {
        givenNames: 'Maria',
        familyName: 'Rossi',
        emails: [{ email: 'maria@private.example', visibility: 'private', verified: true }],
      });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      const page = await browser.get(back.location!);
      assert.match(page.body, /We need your email address/);
      assert.doesNotMatch(page.body, /Create my account/);
      const sent = await browser.post(`${back.location}/email`, { email: 'maria.rossi@uni.example' });
      assert.equal(sent.status, 303);
      assert.equal(sent.location, '/email-confirmation');
      const link = linkIn(await app.mail.waitFor('maria.rossi@uni.example'), '/external-login/');
      assert.equal((await browser.get(back.location!)).status, 401, 'the old token died with the email change');
      const opened = await browser.get(link);
      assert.match(opened.body, /Create my account/);
      assert.match(opened.body, new RegExp(`I signed in with ORCID as ${app.orcid!.siteUrl}/${orcid} myself`));
      const unconfirmed = await browser.post(`${new URL(link).pathname}/create`, {});
      assert.equal(unconfirmed.status, 400, 'a mailed link needs its owner to confirm the iD');
      assert.match(unconfirmed.body, /data-error-code="CONFIRMATION_REQUIRED"/);
      assert.equal((await accountsWith('maria.rossi@uni.example')).length, 0);
      const created = await browser.post(`${new URL(link).pathname}/create`, { confirm: 'yes' });
      assert.equal(created.location, '/profile', 'the browser of the ORCID sign-in is signed in');
      const [account] = await accountsWith('maria.rossi@uni.example');
      assert.ok(account?.email_verified_at);
      assert.equal((await identities(orcid))[0]?.account_id, account!.id);
    });

    test('case 5: the typed email belongs to an account → VALIDATION link → review → linked into that account', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, 'existing@uni.example', {
        givenName: 'Old',
        familyName: 'Name',
      });
      const orcid = addOrcidUser(app, { givenNames: 'New', familyName: 'Name', emails: [] });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      await browser.get(back.location!);
      await browser.post(`${back.location}/email`, { email: 'EXISTING@uni.example' });
      const mail = await app.mail.waitFor('existing@uni.example', (m) => m.text.includes('/review-account/'));
      assert.match(mail.text, new RegExp(orcid), 'the mail names the iD it would link');
      const link = linkIn(mail, '/review-account/');
      const review = await browser.get(link);
      assert.equal(review.status, 200);
      assert.match(
        review.body,
        new RegExp(`${app.orcid!.siteUrl}/${orcid}`),
        'the review page shows which iD will be linked',
      );
      assert.match(review.body, /Old/);
      assert.match(review.body, /New/);
      const unconfirmed = await browser.post(link, { givenName: 'received', familyName: 'current' });
      assert.equal(unconfirmed.status, 400, 'a mailed link needs its owner to confirm the iD');
      assert.match(unconfirmed.body, /data-error-code="CONFIRMATION_REQUIRED"/);
      assert.equal((await identities(orcid)).length, 0);
      const merged = await browser.post(link, { givenName: 'received', familyName: 'current', confirm: 'yes' });
      assert.equal(merged.status, 303);
      assert.equal(merged.location, '/profile');
      const updated = await app.lanyard.db
        .selectFrom('account')
        .selectAll()
        .where('id', '=', account.id)
        .executeTakeFirstOrThrow();
      assert.equal(updated.given_name, 'New');
      assert.equal(updated.family_name, 'Name');
      assert.equal((await identities(orcid))[0]?.account_id, account.id);
      assert.equal((await browser.get('/profile')).status, 200, 'signed in to the account');
    });

    test('case 5: names taken from ORCID at the review replace the name the account shows, not only its parts', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, 'shown-name@uni.example', {
        givenName: 'Sofía',
        familyName: 'García',
      });
      await app.lanyard.db
        .updateTable('account')
        .set({ display_name: 'Sofía García-López' })
        .where('id', '=', account.id)
        .execute();
      const orcid = addOrcidUser(app, { givenNames: 'Maria', familyName: 'Newname', emails: [] });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      await browser.get(back.location!);
      await browser.post(`${back.location}/email`, { email: 'shown-name@uni.example' });
      const mail = await app.mail.waitFor('shown-name@uni.example', (m) => m.text.includes('/review-account/'));
      const link = linkIn(mail, '/review-account/');
      await browser.get(link);
      const merged = await browser.post(link, { givenName: 'received', familyName: 'received', confirm: 'yes' });
      assert.equal(merged.status, 303, merged.body.slice(0, 300));
      const updated = await app.lanyard.db
        .selectFrom('account')
        .selectAll()
        .where('id', '=', account.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual([updated.given_name, updated.family_name], ['Maria', 'Newname']);
      assert.notEqual(updated.display_name, 'Sofía García-López');
      const profile = await browser.get('/profile');
      assert.match(profile.body, /Maria/);
      assert.doesNotMatch(profile.body, /García-López/, 'the old shown name is gone');
    });

    test('case 5: "sign in to link an existing account" with a password → review → linked', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, 'linker@uni.example');
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'other@orcid.example', visibility: 'public', verified: true }],
      });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      const reviewPath = `/review-account/${back.location!.split('/').pop()}`;
      assert.equal((await browser.get(reviewPath)).status, 303, 'an EXTERNAL token needs a signed-in account');
      const signedIn = await signInWithPassword(browser, 'linker@uni.example', undefined, reviewPath);
      assert.equal(signedIn.location, reviewPath);
      const review = await browser.get(reviewPath);
      assert.match(review.body, /other@orcid\.example/);
      const merged = await browser.post(reviewPath, { email: 'current' });
      assert.equal(merged.status, 303);
      assert.equal((await identities(orcid))[0]?.account_id, account.id);
      const after = await app.lanyard.db
        .selectFrom('account')
        .select('email')
        .where('id', '=', account.id)
        .executeTakeFirstOrThrow();
      assert.equal(after.email, 'linker@uni.example');
    });

    test('case 2: a signed-in user links ORCID from the account page', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, 'profile-linker@uni.example');
      const orcid = addOrcidUser(app, { emails: [] });
      const browser = app.browser();
      await signInWithPassword(browser, 'profile-linker@uni.example');
      await browser.get('/profile');
      const back = await signInWithOrcid(browser, orcid, { form: {} });
      assert.equal(back.location, '/profile');
      assert.equal((await identities(orcid))[0]?.account_id, account.id);
      const profile = await browser.get('/profile');
      assert.match(profile.body, new RegExp(`${app.orcid!.siteUrl}/${orcid}`));
    });

    test('case 8: an iD already linked to one account cannot be linked to another; the refusal is audited', async () => {
      const app = ctx();
      const owner = await createPasswordAccount(app, 'owner@uni.example');
      await createPasswordAccount(app, 'intruder@uni.example');
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'owner@uni.example', visibility: 'public', verified: true }],
      });
      await signInWithOrcid(app.browser(), orcid);
      assert.equal((await identities(orcid))[0]?.account_id, owner.id);
      const browser = app.browser();
      await signInWithPassword(browser, 'intruder@uni.example');
      await browser.get('/profile');
      const refused = await signInWithOrcid(browser, orcid, { form: {} });
      assert.equal(refused.status, 409);
      assert.match(refused.body, /data-error-code="IDENTITY_LINKED_ELSEWHERE"/);
      const audit = await app.lanyard.db
        .selectFrom('audit_event')
        .selectAll()
        .where('action', '=', 'link_refused')
        .where('subject', '=', orcid)
        .execute();
      assert.equal(audit.length, 1);
    });

    test('an unverified ORCID email never auto-links, even when it matches an account', async () => {
      const app = ctx();
      await createPasswordAccount(app, 'victim@uni.example');
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'victim@uni.example', visibility: 'public', verified: false }],
      });
      const back = await signInWithOrcid(app.browser(), orcid);
      assert.match(back.location!, /^\/external-login\//);
      assert.equal((await identities(orcid)).length, 0);
    });

    test('concurrent callbacks for the same new iD all sign in, leaving one identity and no duplicate account', async () => {
      // Rounds of three at once: the loser of a race may read the facts while the winner commits
      // between two of its statements (it then saw "the account already has an ORCID iD").
      const app = ctx();
      for (let round = 0; round < 20; round++) {
        const email = `race-${round}@uni.example`;
        await createPasswordAccount(app, email);
        const orcid = addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }] });
        const results = await Promise.all([1, 2, 3].map(() => signInWithOrcid(app.browser(), orcid)));
        for (const r of results)
          assert.equal(
            r.status,
            303,
            `round ${round}: ${r.body.match(/data-error-code="(\w+)"/)?.[1] ?? r.body.slice(0, 300)}`,
          );
        assert.equal((await identities(orcid)).length, 1);
        assert.equal((await accountsWith(email)).length, 1);
      }
    });
  },
  withOrcid,
);

forEachBackend(
  'first ORCID sign-in with self-registration off',
  (ctx) => {
    test('case 7: no create option; linking paths remain with a clear message', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'nobody@uni.example', visibility: 'public', verified: true }],
      });
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      const page = await browser.get(back.location!);
      assert.doesNotMatch(page.body, /Create my account/);
      assert.match(page.body, /data-self-registration="off"/);
      assert.match(page.body, /Sign in to link an existing account/);
      const refused = await browser.post(`${back.location}/create`, {});
      assert.equal(refused.status, 403);
      assert.match(refused.body, /SELF_REGISTRATION_DISABLED/);
    });
  },
  { ...withOrcid, LANYARD_SELF_REGISTRATION: 'false' },
);
