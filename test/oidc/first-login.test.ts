import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkIn } from '../support/mail-catcher.js';
import { addIdpUser, authorizeAtIdp, forEachBackendWithIdp, signInWithOidc } from '../support/oidc.js';
import { createPasswordAccount, signInWithPassword } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';

/** Every branch of the first-login table for an OpenID Connect provider, against a real IdP. */
forEachBackendWithIdp('first sign-in with an OpenID Connect IdP', (ctx) => {
  const identities = (provider: string, subject: string) =>
    ctx()
      .app.lanyard.db.selectFrom('identity')
      .selectAll()
      .where('provider', '=', provider)
      .where('subject', '=', subject)
      .execute();
  const accountsWith = (email: string) =>
    ctx().app.lanyard.db.selectFrom('account').selectAll().where('email', '=', email).execute();
  const registrationFor = (subject: string) =>
    ctx()
      .app.lanyard.db.selectFrom('registration')
      .selectAll()
      .where('subject', '=', subject)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();

  test('the login page shows one button per provider, in configuration order', async () => {
    const page = await ctx().app.browser().get('/login');
    const uni = page.body.indexOf('Sign in with University of Example');
    const lab = page.body.indexOf('Sign in with Example Lab');
    assert.ok(uni > 0 && lab > uni, 'both buttons, uni first');
    assert.match(page.body, /href="\/auth\/uni\?returnTo=/);
    const de = await ctx().app.browser().get('/login?lang=de');
    assert.match(de.body, /Mit Universität Beispiel anmelden/);
  });

  test('case 4 without trustEmail: a verified new email → "we need your email" (untrusted); typed → mailed link → account; case 1: the next sign-in lands directly', async () => {
    const { app, idp } = ctx();
    const sub = addIdpUser(idp, { email: 'new.person@uni.example', email_verified: true, name: 'New Person' });
    const browser = app.browser();
    const back = await signInWithOidc(browser, sub);
    assert.equal(back.status, 303);
    assert.match(back.location!, /^\/external-login\//);
    const reg = await registrationFor(sub);
    assert.equal(reg?.provider, 'uni');
    assert.equal(reg?.profile.reason, 'email_untrusted');
    assert.equal(reg?.email, null, 'an untrusted email is not taken as proven');
    const page = await browser.get(back.location!);
    assert.match(page.body, /Finish signing in with University of Example/);
    assert.match(page.body, /University of Example confirmed your identity/);
    assert.match(page.body, new RegExp(sub));
    const sent = await browser.post(`${back.location}/email`, { email: 'new.person@uni.example' });
    assert.equal(sent.location, '/email-confirmation');
    const mail = await app.mail.waitFor('new.person@uni.example', (m) => /external-login/.test(m.text));
    assert.match(mail.text, /University of Example/);
    const link = linkIn(mail, '/external-login/');
    await browser.get(link);
    const created = await browser.post(`${new URL(link).pathname}/create`, { confirm: 'yes' });
    assert.equal(created.location, '/profile');
    const [account] = await accountsWith('new.person@uni.example');
    assert.ok(account?.email_verified_at);
    assert.equal((await identities('uni', sub)).length, 1);
    assert.equal((await identities('uni', sub))[0]?.account_id, account?.id);

    const again = app.browser();
    const second = await signInWithOidc(again, sub, { returnTo: '/profile' });
    assert.equal(second.status, 303);
    assert.equal(second.location, '/profile');
    const profile = await again.get('/profile');
    assert.match(profile.body, /University of Example/);
  });

  test('case 3 with trustEmail: a verified email matching a verified account links and signs in, with a security notice', async () => {
    const { app, idp } = ctx();
    const account = await createPasswordAccount(app, 'trusted@lab.example');
    const sub = addIdpUser(idp, { email: 'trusted@lab.example', email_verified: true });
    const back = await signInWithOidc(app.browser(), sub, { provider: 'lab', returnTo: '/profile' });
    assert.equal(back.status, 303);
    assert.equal(back.location, '/profile');
    const [identity] = await identities('lab', sub);
    assert.equal(identity?.account_id, account.id);
    const notice = await app.mail.waitFor('trusted@lab.example', (m) => /linked/i.test(m.subject));
    assert.match(notice.subject, /Example Lab/);
  });

  test('case 4 with trustEmail: a verified email no account uses → create my account', async () => {
    const { app, idp } = ctx();
    const sub = addIdpUser(idp, { email: 'fresh@lab.example', email_verified: true });
    const browser = app.browser();
    const back = await signInWithOidc(browser, sub, { provider: 'lab' });
    assert.match(back.location!, /^\/external-login\//);
    assert.equal((await registrationFor(sub))?.profile.reason, 'email_unknown');
    const page = await browser.get(back.location!);
    assert.match(page.body, /Create my account/);
    const created = await browser.post(`${back.location}/create`, {});
    assert.equal(created.location, '/profile');
    assert.equal((await identities('lab', sub)).length, 1);
  });

  test('the email of another account without trustEmail does not auto-link: nothing linked, the person must prove the account', async () => {
    const { app, idp } = ctx();
    const victim = await createPasswordAccount(app, 'victim@uni.example');
    const sub = addIdpUser(idp, { email: 'victim@uni.example', email_verified: true });
    const back = await signInWithOidc(app.browser(), sub);
    assert.match(back.location!, /^\/external-login\//);
    assert.equal((await identities('uni', sub)).length, 0);
    assert.equal((await registrationFor(sub))?.profile.reason, 'email_untrusted');
    const sessions = await app.lanyard.db
      .selectFrom('session')
      .select('id')
      .where('account_id', '=', victim.id)
      .execute();
    assert.equal(sessions.length, 0, 'no session for the account whose email it was');
  });

  for (const [label, verified] of [
    ['false', false],
    ['the string "true"', 'true'],
    ['missing', undefined],
  ] as const) {
    test(`email_verified ${label}: the email is not verified — no auto-link even with trustEmail`, async () => {
      const { app, idp } = ctx();
      await createPasswordAccount(app, `owner-${label.length}@lab.example`);
      const sub = addIdpUser(idp, {
        email: `owner-${label.length}@lab.example`,
        ...(verified === undefined ? {} : { email_verified: verified }),
      });
      const back = await signInWithOidc(app.browser(), sub, { provider: 'lab' });
      assert.match(back.location!, /^\/external-login\//);
      assert.equal((await identities('lab', sub)).length, 0);
      assert.equal((await registrationFor(sub))?.profile.reason, 'email_unverified');
    });
  }

  test('no email at all → "we need your email" (no_email)', async () => {
    const { app, idp } = ctx();
    const sub = addIdpUser(idp, {});
    const browser = app.browser();
    const back = await signInWithOidc(browser, sub, { provider: 'lab' });
    assert.equal((await registrationFor(sub))?.profile.reason, 'no_email');
    const page = await browser.get(back.location!);
    assert.match(page.body, /We need your email address/);
    assert.match(page.body, /Your Example Lab record does not share an email address/);
  });

  test('case 5 into an existing account: typed email of an account → VALIDATION link → review → linked to that account', async () => {
    const { app, idp } = ctx();
    const account = await createPasswordAccount(app, 'reviewer@uni.example', { givenName: 'Old' });
    const sub = addIdpUser(idp, { given_name: 'New', family_name: 'Name' });
    const browser = app.browser();
    const back = await signInWithOidc(browser, sub);
    await browser.get(back.location!);
    await browser.post(`${back.location}/email`, { email: 'reviewer@uni.example' });
    const mail = await app.mail.waitFor('reviewer@uni.example', (m) => /review-account/.test(m.text));
    assert.match(mail.subject, /Link University of Example/);
    const link = linkIn(mail, '/review-account/');
    const review = await browser.get(link);
    assert.match(review.body, /Received from University of Example/);
    assert.match(review.body, /Link my University of Example and save/);
    const merged = await browser.post(new URL(link).pathname, { givenName: 'received', confirm: 'yes' });
    assert.equal(merged.location, '/profile');
    const [identity] = await identities('uni', sub);
    assert.equal(identity?.account_id, account.id);
    assert.equal((await accountsWith('reviewer@uni.example'))[0]?.given_name, 'New');
  });

  test('a mailed VALIDATION link opened in another browser: the IdP sign-in there as the same subject proves it; another subject cannot', async () => {
    const { app, idp } = ctx();
    const account = await createPasswordAccount(app, 'elsewhere@uni.example');
    const sub = addIdpUser(idp, {});
    const browser = app.browser();
    const back = await signInWithOidc(browser, sub);
    await browser.get(back.location!);
    await browser.post(`${back.location}/email`, { email: 'elsewhere@uni.example' });
    const mail = await app.mail.waitFor('elsewhere@uni.example', (m) => /review-account/.test(m.text));
    const link = new URL(linkIn(mail, '/review-account/')).pathname;
    /** The proof sign-in at the IdP as `who`, in `device`: what the callback answers. */
    const prove = async (device: ReturnType<typeof app.browser>, who: string) => {
      await device.get(link);
      const start = await device.post(`${link}/prove`, {});
      // A fresh sign-in at the IdP: the device may be signed in there as somebody else.
      assert.equal(new URL(start.location!).searchParams.get('prompt'), 'login');
      return device.get(await authorizeAtIdp(device, who, { start }));
    };
    // The account's owner, not the person who signed in at the IdP: refused, nothing linked.
    const owner = app.browser();
    const refused = await prove(owner, addIdpUser(idp, {}));
    assertRefused(refused, 403, 'IDENTITY_PROOF_MISMATCH');
    assert.match(refused.body, /You signed in with University of Example as someone other than/);
    // In German the page names the IdP by its German label; the API's details stay as they are.
    const reader = app.browser();
    await reader.get(`${link}?lang=de`);
    const german = await prove(reader, addIdpUser(idp, {}));
    assertRefused(german, 403, 'IDENTITY_PROOF_MISMATCH');
    assert.match(german.body, /Sie haben sich mit Universität Beispiel als jemand anderes angemeldet/);
    assert.doesNotMatch(german.body, /University of Example/);
    assertRefused(await owner.post(link, { confirm: 'yes' }), 403, 'IDENTITY_PROOF_REQUIRED');
    assert.equal((await identities('uni', sub)).length, 0);
    // The person who signed in, on a second device: proved, then linked and signed in there.
    const phone = app.browser();
    assert.equal((await prove(phone, sub)).location, link);
    assert.equal((await phone.post(link, { confirm: 'yes' })).status, 303);
    const [identity] = await identities('uni', sub);
    assert.equal(identity?.account_id, account.id);
  });

  test('case 2: a signed-in account links the IdP from its account page', async () => {
    const { app, idp } = ctx();
    const account = await createPasswordAccount(app, 'linker@uni.example');
    const sub = addIdpUser(idp, { email: 'someone.else@uni.example', email_verified: true });
    const browser = app.browser();
    await signInWithPassword(browser, 'linker@uni.example');
    const profile = await browser.get('/profile');
    assert.match(profile.body, /action="\/profile\/link\/uni"/);
    assert.match(profile.body, /Connect University of Example/);
    const back = await signInWithOidc(browser, sub, { form: {} });
    assert.equal(back.location, '/profile');
    assert.equal((await identities('uni', sub))[0]?.account_id, account.id);
  });

  test('case 8: an identity linked to one account cannot be linked to another (409, audited, nothing changed)', async () => {
    const { app, idp } = ctx();
    const owner = await createPasswordAccount(app, 'first.owner@uni.example');
    await createPasswordAccount(app, 'second.try@uni.example');
    const sub = addIdpUser(idp, {});
    const first = app.browser();
    await signInWithPassword(first, 'first.owner@uni.example');
    await first.get('/profile');
    assert.equal((await signInWithOidc(first, sub, { form: {} })).location, '/profile');
    const second = app.browser();
    await signInWithPassword(second, 'second.try@uni.example');
    await second.get('/profile');
    const refused = await signInWithOidc(second, sub, { form: {} });
    assert.equal(refused.status, 409);
    assert.match(refused.body, /IDENTITY_LINKED_ELSEWHERE/);
    assert.match(refused.body, /This University of Example is already linked/);
    assert.equal((await identities('uni', sub))[0]?.account_id, owner.id);
  });

  test('an orcid claim from the IdP is a hint in the snapshot, never an ORCID identity', async () => {
    const { app, idp } = ctx();
    const sub = addIdpUser(idp, {
      email: 'orcid.claimer@lab.example',
      email_verified: true,
      orcid: '0000-0002-1825-0097',
    });
    const browser = app.browser();
    const back = await signInWithOidc(browser, sub, { provider: 'lab' });
    await browser.get(back.location!);
    await browser.post(`${back.location}/create`, {});
    const [identity] = await identities('lab', sub);
    assert.equal(identity?.profile.hints?.orcid, '0000-0002-1825-0097');
    assert.equal((await identities('orcid', '0000-0002-1825-0097')).length, 0);
    const epersons = await app.lanyard.db
      .selectFrom('identity')
      .select('provider')
      .where('account_id', '=', identity!.account_id)
      .execute();
    assert.deepEqual(
      epersons.map((e) => e.provider),
      ['lab'],
    );
  });

  test('two providers with the same subject are two identities: the second never signs in to the first one’s account', async () => {
    const { app, idp } = ctx();
    const sub = addIdpUser(idp, { email: 'shared.sub@lab.example', email_verified: true });
    const browser = app.browser();
    const viaLab = await signInWithOidc(browser, sub, { provider: 'lab' });
    await browser.get(viaLab.location!);
    await browser.post(`${viaLab.location}/create`, {});
    const viaUni = await signInWithOidc(app.browser(), sub);
    assert.match(viaUni.location!, /^\/external-login\//, 'uni does not know this subject');
    assert.equal((await identities('uni', sub)).length, 0);
    assert.equal((await identities('lab', sub)).length, 1);
  });
});
