import { onwardFrom } from '../support/browser.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkIn } from '../support/mail-catcher.js';
import { createPasswordAccount } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { released } from '../support/shibboleth-proxy.js';
import { forEachBackendBehindShibboleth, LAB, person, signInThroughProxy, UNI } from './support.js';

/** Every branch of the first-login table for Lanyard behind mod_shib (HAProxy standing in), over HTTP. */
forEachBackendBehindShibboleth('first sign-in behind a Shibboleth SP (header mode)', (ctx) => {
  const db = () => ctx().app.lanyard.db;
  const identities = (provider: string, subject: string) =>
    db().selectFrom('identity').selectAll().where('provider', '=', provider).where('subject', '=', subject).execute();
  const registrationFor = (subject: string) =>
    db()
      .selectFrom('registration')
      .selectAll()
      .where('subject', '=', subject)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
  const subjectOf = (idp: string, attrs: Record<string, string>) => `${idp} subject-id:${attrs['subject-id']}`;
  const signInWithPassword = async (browser: ReturnType<ShibBrowser>, email: string) => {
    await browser.get('/login');
    const done = await browser.post('/login', { email, password: 'correct horse battery' });
    assert.equal(done.status, 303, done.body.slice(0, 300));
    await browser.get('/profile');
  };
  type ShibBrowser = ReturnType<typeof ctx>['browser'];

  test('the login page has the entry’s button; starting goes to the callback mod_shib guards, with the flow’s state', async () => {
    const browser = ctx().browser();
    const page = await browser.get('/login');
    assert.match(page.body, /Sign in with University of Example/);
    const de = await browser.get('/login?lang=de');
    assert.match(de.body, /Mit Universität Beispiel anmelden/);
    const start = await browser.get('/auth/shib');
    assert.equal(start.status, 303);
    assert.match(start.location!, new RegExp(`^${ctx().proxy.url}/auth/shib/callback\\?state=[\\w-]+$`));
  });

  test('case 5 (trustEmail off): a new person’s email is not taken as proven → mailed link → account; case 1: the next sign-in lands directly', async () => {
    const { app } = ctx();
    const attrs = person(UNI, { mail: 'new.person@uni.example', givenName: 'Jürgen', displayName: 'Jürgen Groß' });
    const subject = subjectOf(UNI, attrs);
    const browser = ctx().browser();
    const back = await signInThroughProxy(browser, attrs);
    assert.equal(back.status, 303, back.body.slice(0, 300));
    assert.match(back.location!, /^\/external-login\//);
    const reg = await registrationFor(subject);
    assert.equal(reg?.provider, 'shib');
    assert.equal(reg?.profile.reason, 'email_unverified', 'trustEmail off: its emails are unverified');
    assert.equal(reg?.email, null, 'an email from the IdP is not proven');
    const page = await browser.get(back.location!);
    assert.match(page.body, /Finish signing in with University of Example/);
    await browser.post(`${back.location}/email`, { email: 'new.person@uni.example' });
    const mail = await app.mail.waitFor('new.person@uni.example', (m) => /external-login/.test(m.text));
    const link = linkIn(mail, '/external-login/');
    await browser.get(link);
    const created = await browser.post(`${new URL(link).pathname}/create`, { confirm: 'yes' });
    assert.equal(created.location, '/profile');
    const [identity] = await identities('shib', subject);
    assert.ok(identity, 'identity stored as (entry, IdP, subject-id)');
    assert.equal(identity.issuer, UNI);
    const account = await db()
      .selectFrom('account')
      .selectAll()
      .where('id', '=', identity.account_id)
      .executeTakeFirst();
    assert.equal(account?.given_name, 'Jürgen', 'UTF-8 from the proxy arrives intact');

    const again = ctx().browser();
    const second = await signInThroughProxy(again, attrs, { returnTo: '/profile' });
    assert.equal(second.status, 303);
    assert.equal(second.location, '/profile');
    assert.match((await again.get('/profile')).body, /University of Example/);
  });

  test('case 3: trustEmail with the IdP in trustEmailFrom links a verified account by its email and signs in', async () => {
    const { app } = ctx();
    const account = await createPasswordAccount(app, 'trusted@uni.example');
    const attrs = person(UNI, { mail: 'trusted@uni.example' });
    const back = await signInThroughProxy(ctx().browser(), attrs, { provider: 'shib-trusted', returnTo: '/profile' });
    assert.equal(back.status, 303);
    assert.equal(back.location, '/profile');
    assert.equal((await identities('shib-trusted', subjectOf(UNI, attrs)))[0]?.account_id, account.id);
  });

  test('trustEmail, but from an IdP not in trustEmailFrom: the matching account is not linked, the email is unproven', async () => {
    const { app } = ctx();
    const victim = await createPasswordAccount(app, 'owner@lab.example');
    const attrs = person(LAB, { mail: 'owner@lab.example' });
    const back = await signInThroughProxy(ctx().browser(), attrs, { provider: 'shib-trusted' });
    assert.match(back.location!, /^\/external-login\//);
    assert.equal((await identities('shib-trusted', subjectOf(LAB, attrs))).length, 0);
    assert.equal((await registrationFor(subjectOf(LAB, attrs)))?.profile.reason, 'email_unverified');
    const sessions = await db().selectFrom('session').select('id').where('account_id', '=', victim.id).execute();
    assert.equal(sessions.length, 0);
  });

  test('the email of another account without trustEmail: nothing linked, no session for that account', async () => {
    const { app } = ctx();
    const victim = await createPasswordAccount(app, 'victim@uni.example');
    const attrs = person(UNI, { mail: 'victim@uni.example' });
    const back = await signInThroughProxy(ctx().browser(), attrs);
    assert.match(back.location!, /^\/external-login\//);
    assert.equal((await identities('shib', subjectOf(UNI, attrs))).length, 0);
    const sessions = await db().selectFrom('session').select('id').where('account_id', '=', victim.id).execute();
    assert.equal(sessions.length, 0);
  });

  test('case 4: a trusted email no account uses → create my account', async () => {
    const attrs = person(UNI, { mail: 'fresh@uni.example' });
    const browser = ctx().browser();
    const back = await signInThroughProxy(browser, attrs, { provider: 'shib-trusted' });
    assert.equal((await registrationFor(subjectOf(UNI, attrs)))?.profile.reason, 'email_unknown');
    const page = await browser.get(back.location!);
    assert.match(page.body, /Create my account/);
    const created = await browser.post(`${back.location}/create`, {});
    assert.equal(created.location, '/profile');
    assert.equal((await identities('shib-trusted', subjectOf(UNI, attrs))).length, 1);
  });

  test('no email released → "we need your email" (no_email)', async () => {
    const attrs = person(LAB);
    const browser = ctx().browser();
    const back = await signInThroughProxy(browser, attrs);
    assert.equal((await registrationFor(subjectOf(LAB, attrs)))?.profile.reason, 'no_email');
    assert.match((await browser.get(back.location!)).body, /We need your email address/);
  });

  test('case 2: a signed-in account links the entry from its account page; case 8: the same identity cannot go to another account', async () => {
    const { app } = ctx();
    const owner = await createPasswordAccount(app, 'linker@uni.example');
    await createPasswordAccount(app, 'second@uni.example');
    const attrs = person(UNI, { mail: 'someone.else@uni.example' });
    const browser = ctx().browser();
    await signInWithPassword(browser, 'linker@uni.example');
    const linked = await signInThroughProxy(browser, attrs, { link: true });
    assert.equal(linked.location, '/profile');
    assert.equal((await identities('shib', subjectOf(UNI, attrs)))[0]?.account_id, owner.id);

    const other = ctx().browser();
    await signInWithPassword(other, 'second@uni.example');
    const refused = await signInThroughProxy(other, attrs, { link: true });
    assert.equal(refused.status, 409);
    assert.match(refused.body, /IDENTITY_LINKED_ELSEWHERE/);
    assert.equal((await identities('shib', subjectOf(UNI, attrs)))[0]?.account_id, owner.id);
  });

  test('a mailed link opened in another browser: the SP sign-in there as the same subject proves it; another person cannot', async () => {
    const { app } = ctx();
    const attrs = person(UNI, {});
    const subject = subjectOf(UNI, attrs);
    const browser = ctx().browser();
    const back = await signInThroughProxy(browser, attrs);
    await browser.get(back.location!);
    await browser.post(`${back.location}/email`, { email: 'elsewhere@uni.example' });
    const mail = await app.mail.waitFor('elsewhere@uni.example', (m) => /external-login/.test(m.text));
    const link = new URL(linkIn(mail, '/external-login/')).pathname;
    /** The proof sign-in through mod_shib as the person `who`, in `device`: what the callback answers. */
    const prove = async (device: ReturnType<ShibBrowser>, who: Record<string, string>) => {
      await device.get(link);
      const start = await device.post(`${link}/prove`, {});
      // Through the SP's session initiator, asked for a fresh sign-in at the IdP: the device may
      // hold an SP session as somebody else. A page that moves on by itself gets there (the SP
      // goes on to the IdP, a redirect the form page's CSP would stop).
      const initiator = new URL(onwardFrom(start), start.url);
      assert.equal(initiator.origin + initiator.pathname, `${ctx().proxy.url}/Shibboleth.sso/Login`);
      assert.equal(initiator.searchParams.get('forceAuthn'), 'true');
      const target = initiator.searchParams.get('target')!;
      assert.match(target, new RegExp(`^${ctx().proxy.url}/auth/shib/callback\\?state=[\\w-]+$`));
      const back = await device.get(initiator.href);
      assert.equal(back.location, target, 'the session initiator returns to the target');
      return device.get(target, released(who));
    };
    const stranger = ctx().browser();
    assertRefused(await prove(stranger, person(UNI, {})), 403, 'IDENTITY_PROOF_MISMATCH');
    assertRefused(await stranger.post(`${link}/create`, { confirm: 'yes' }), 403, 'IDENTITY_PROOF_REQUIRED');
    assert.equal((await identities('shib', subject)).length, 0);
    const phone = ctx().browser();
    assert.equal((await prove(phone, attrs)).location, link);
    assert.equal((await phone.post(`${link}/create`, { confirm: 'yes' })).status, 303);
    assert.equal((await identities('shib', subject)).length, 1);
  });

  test('case 5 into an existing account: the typed email of an account → review → linked to it', async () => {
    const { app } = ctx();
    const account = await createPasswordAccount(app, 'reviewer@lab.example');
    const attrs = person(LAB);
    const browser = ctx().browser();
    const back = await signInThroughProxy(browser, attrs);
    await browser.get(back.location!);
    await browser.post(`${back.location}/email`, { email: 'reviewer@lab.example' });
    const mail = await app.mail.waitFor('reviewer@lab.example', (m) => /review-account/.test(m.text));
    const link = linkIn(mail, '/review-account/');
    await browser.get(link);
    const merged = await browser.post(new URL(link).pathname, { confirm: 'yes' });
    assert.equal(merged.location, '/profile');
    assert.equal((await identities('shib', subjectOf(LAB, attrs)))[0]?.account_id, account.id);
  });

  test('eduPersonOrcid is a hint in the profile snapshot, never an ORCID identity', async () => {
    const attrs = person(UNI, { mail: 'orcid.claimer@uni.example', orcid: 'https://orcid.org/0000-0002-1825-0097' });
    const browser = ctx().browser();
    const back = await signInThroughProxy(browser, attrs, { provider: 'shib-trusted' });
    await browser.get(back.location!);
    await browser.post(`${back.location}/create`, {});
    const [identity] = await identities('shib-trusted', subjectOf(UNI, attrs));
    assert.equal(identity?.profile.hints?.orcid, 'https://orcid.org/0000-0002-1825-0097');
    const providers = await db()
      .selectFrom('identity')
      .select('provider')
      .where('account_id', '=', identity!.account_id)
      .execute();
    assert.deepEqual(
      providers.map((p) => p.provider),
      ['shib-trusted'],
    );
  });

  test('an IdP that starts releasing subject-id beside the persistent NameID: the returning person signs in to their account', async () => {
    const { app } = ctx();
    const value = `kept-${Date.now()}`;
    const before = {
      'Shib-Identity-Provider': UNI,
      'persistent-id': `${UNI}!https://repository.example/shibboleth!${value}`,
    };
    const account = await createPasswordAccount(app, `${value}@lab.example`);
    const first = ctx().browser();
    await signInWithPassword(first, `${value}@lab.example`);
    assert.equal((await signInThroughProxy(first, before, { link: true })).location, '/profile');
    const after = { ...before, 'subject-id': `${value}@uni.example` };
    const back = await signInThroughProxy(ctx().browser(), after, { returnTo: '/profile' });
    assert.equal(back.location, '/profile', 'no first-login page');
    const linked = await db().selectFrom('identity').select('subject').where('account_id', '=', account.id).execute();
    assert.deepEqual(
      linked.map((i) => i.subject).filter((s) => s !== account.id),
      [`${UNI} persistent:${value}`],
    );
  });

  test('the subject: subject-id before pairwise-id, persistent NameID and eppn; eppn alone is used; the same value at two IdPs is two identities', async () => {
    const both = person(UNI, {
      eppn: 'both@uni.example',
      'persistent-id': `${UNI}!https://repository.example/shibboleth!abc`,
    });
    await signInThroughProxy(ctx().browser(), both);
    assert.ok(await registrationFor(subjectOf(UNI, both)), 'subject-id chosen');

    const local = `Only.Eppn${Date.now()}`;
    await signInThroughProxy(ctx().browser(), { 'Shib-Identity-Provider': UNI, eppn: `${local}@UNI.example` });
    assert.ok(await registrationFor(`${UNI} eppn:${local}@uni.example`), 'eppn, its scope lower-cased');

    const value = `pers-${Date.now()}`;
    await signInThroughProxy(ctx().browser(), {
      'Shib-Identity-Provider': UNI,
      'persistent-id': `${UNI}!https://repository.example/shibboleth!${value}`,
    });
    await signInThroughProxy(ctx().browser(), { 'Shib-Identity-Provider': LAB, 'persistent-id': value });
    assert.ok(await registrationFor(`${UNI} persistent:${value}`));
    assert.ok(await registrationFor(`${LAB} persistent:${value}`));
  });
});
