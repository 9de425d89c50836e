import { onwardFrom } from '../support/browser.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';
import { linkIn } from '../support/mail-catcher.js';
import { createPasswordAccount, signInWithPassword } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import {
  addSamlUser,
  answerAtIdp,
  forEachBackendWithSamlIdp,
  postToAcs,
  signInWithSaml,
} from '../support/saml-sign-in.js';

/**
 * Every branch of the first-login table for a SAML IdP, against a real pysaml2 IdP over HTTP that
 * signs with its own key and encrypts its assertions: `uni` does not trust the IdP's emails, `lab`
 * (the same IdP, another SP entry) does.
 */
forEachBackendWithSamlIdp('first sign-in with a SAML IdP', (ctx) => {
  const identities = (provider: string, subject?: string) => {
    let q = ctx().app.lanyard.db.selectFrom('identity').selectAll().where('provider', '=', provider);
    if (subject) q = q.where('subject', '=', subject);
    return q.execute();
  };
  const accountsWith = (email: string) =>
    ctx().app.lanyard.db.selectFrom('account').selectAll().where('email', '=', email).execute();
  const registrationFor = (subject: string) =>
    ctx()
      .app.lanyard.db.selectFrom('registration')
      .selectAll()
      .where('subject', '=', subject)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
  /** The identity subject of a user's persistent NameID at University A. */
  const persistent = (user: string) => `${ctx().idp.entityId} persistent:p-${user}`;

  test('the login page shows one button per SAML entry, in configuration order, in both languages', async () => {
    const page = await ctx().app.browser().get('/login');
    const uni = page.body.indexOf('Sign in with University A');
    const lab = page.body.indexOf('Sign in with Example Lab');
    assert.ok(uni > 0 && lab > uni, 'both buttons, uni first');
    assert.match(page.body, /href="\/auth\/uni\?returnTo=/);
    const de = await ctx().app.browser().get('/login?lang=de');
    assert.match(de.body, /Mit Universität A anmelden/);
  });

  test('case 4 without trustEmail: a new email → "we need your email" (not proven); typed → mailed link → account; case 1: the next sign-in lands directly', async () => {
    const { app, idp } = ctx();
    const user = await addSamlUser(idp, {
      mail: ['new.person@uni-a.example'],
      eduPersonPrincipalName: [`np@uni-a.example`],
      displayName: ['New Person'],
    });
    const browser = app.browser();
    const back = await signInWithSaml(app, browser, user);
    assert.equal(back.status, 303, back.body.slice(0, 400));
    assert.match(back.location!, /^\/external-login\//);
    const reg = await registrationFor(persistent(user));
    assert.equal(reg?.provider, 'uni');
    assert.equal(reg?.profile.reason, 'email_unverified');
    assert.equal(reg?.email, null, 'an untrusted email is not taken as proven');
    const page = await browser.get(back.location!);
    assert.match(page.body, /Finish signing in with University A/);
    const sent = await browser.post(`${back.location}/email`, { email: 'new.person@uni-a.example' });
    assert.equal(sent.location, '/email-confirmation');
    const mail = await app.mail.waitFor('new.person@uni-a.example', (m) => /external-login/.test(m.text));
    assert.match(mail.text, /University A/);
    const link = linkIn(mail, '/external-login/');
    await browser.get(link);
    const created = await browser.post(`${new URL(link).pathname}/create`, { confirm: 'yes' });
    assert.equal(created.location, '/profile');
    const [account] = await accountsWith('new.person@uni-a.example');
    assert.ok(account?.email_verified_at);
    const [identity] = await identities('uni', persistent(user));
    assert.equal(identity?.account_id, account?.id);
    assert.equal(identity?.issuer, idp.entityId);

    const again = app.browser();
    const second = await signInWithSaml(app, again, user, { returnTo: '/profile' });
    assert.equal(second.status, 303);
    assert.equal(second.location, '/profile');
    const profile = await again.get('/profile');
    assert.match(profile.body, /University A/);
    assert.match(profile.body, new RegExp(`p-${user}`));
  });

  test('case 3 with trustEmail: an email matching a verified account links and signs in, with a security notice', async () => {
    const { app, idp } = ctx();
    const account = await createPasswordAccount(app, 'trusted@uni-a.example');
    const user = await addSamlUser(idp, { mail: ['trusted@uni-a.example'] });
    const back = await signInWithSaml(app, app.browser(), user, { provider: 'lab', returnTo: '/profile' });
    assert.equal(back.status, 303);
    assert.equal(back.location, '/profile');
    const [identity] = await identities('lab', persistent(user));
    assert.equal(identity?.account_id, account.id);
    const notice = await app.mail.waitFor('trusted@uni-a.example', (m) => /linked/i.test(m.subject));
    assert.match(notice.subject, /Example Lab/);
  });

  test('case 4 with trustEmail: an email no account uses → create my account', async () => {
    const { app, idp } = ctx();
    const user = await addSamlUser(idp, { mail: ['fresh@uni-a.example'] });
    const browser = app.browser();
    const back = await signInWithSaml(app, browser, user, { provider: 'lab' });
    assert.match(back.location!, /^\/external-login\//);
    assert.equal((await registrationFor(persistent(user)))?.profile.reason, 'email_unknown');
    const page = await browser.get(back.location!);
    assert.match(page.body, /Create my account/);
    const created = await browser.post(`${back.location}/create`, {});
    assert.equal(created.location, '/profile');
    assert.equal((await identities('lab', persistent(user))).length, 1);
    assert.equal((await accountsWith('fresh@uni-a.example')).length, 1);
  });

  test('without trustEmail the email of another account does not auto-link: nothing linked, no session for that account', async () => {
    const { app, idp } = ctx();
    const victim = await createPasswordAccount(app, 'victim@uni-a.example');
    const user = await addSamlUser(idp, { mail: ['victim@uni-a.example'] });
    const back = await signInWithSaml(app, app.browser(), user);
    assert.match(back.location!, /^\/external-login\//);
    assert.equal((await identities('uni', persistent(user))).length, 0);
    assert.equal((await registrationFor(persistent(user)))?.profile.reason, 'email_unverified');
    const sessions = await app.lanyard.db
      .selectFrom('session')
      .select('id')
      .where('account_id', '=', victim.id)
      .execute();
    assert.equal(sessions.length, 0, 'no session for the account whose email it was');
  });

  test('no email released → "we need your email" (no_email)', async () => {
    const { app, idp } = ctx();
    const user = await addSamlUser(idp, {});
    const browser = app.browser();
    const back = await signInWithSaml(app, browser, user, { provider: 'lab' });
    assert.equal((await registrationFor(persistent(user)))?.profile.reason, 'no_email');
    const page = await browser.get(back.location!);
    assert.match(page.body, /We need your email address/);
  });

  test('case 5 into an existing account: typed email of an account → VALIDATION link → review → linked to that account', async () => {
    const { app, idp } = ctx();
    const account = await createPasswordAccount(app, 'reviewer@uni-a.example', { givenName: 'Old' });
    const user = await addSamlUser(idp, { givenName: ['New'], sn: ['Name'] });
    const browser = app.browser();
    const back = await signInWithSaml(app, browser, user);
    await browser.get(back.location!);
    await browser.post(`${back.location}/email`, { email: 'reviewer@uni-a.example' });
    const mail = await app.mail.waitFor('reviewer@uni-a.example', (m) => /review-account/.test(m.text));
    assert.match(mail.subject, /Link University A/);
    const link = linkIn(mail, '/review-account/');
    const review = await browser.get(link);
    assert.match(review.body, /Received from University A/);
    const merged = await browser.post(new URL(link).pathname, { givenName: 'received', confirm: 'yes' });
    assert.equal(merged.location, '/profile');
    const [identity] = await identities('uni', persistent(user));
    assert.equal(identity?.account_id, account.id);
    assert.equal((await accountsWith('reviewer@uni-a.example'))[0]?.given_name, 'New');
  });

  test('a mailed link opened in another browser: the IdP sign-in there proves the identity; another person of the IdP cannot', async () => {
    const { app, idp } = ctx();
    const user = await addSamlUser(idp, {});
    const browser = app.browser();
    const back = await signInWithSaml(app, browser, user);
    await browser.get(back.location!);
    await browser.post(`${back.location}/email`, { email: 'elsewhere@uni-a.example' });
    const mail = await app.mail.waitFor('elsewhere@uni-a.example', (m) => /external-login/.test(m.text));
    const link = new URL(linkIn(mail, '/external-login/')).pathname;
    /** The proof sign-in at the IdP as `who`, in `device`: what the callback answers. */
    const prove = async (device: ReturnType<typeof app.browser>, who: string) => {
      await device.get(link);
      // A page that moves on by itself: a redirect after the form would be stopped by its CSP.
      const sso = onwardFrom(await device.post(`${link}/prove`, {}));
      // The IdP is asked for a fresh sign-in: the device may hold an IdP session as somebody else.
      const request = new URL(sso).searchParams.get('SAMLRequest')!;
      assert.match(inflateRawSync(Buffer.from(request, 'base64')).toString('utf8'), / ForceAuthn="true"/);
      const { callback } = await postToAcs(app, device, await answerAtIdp(device, sso, who));
      return callback!;
    };
    // Somebody else at the same IdP holds the mailbox: refused, nothing created.
    const stranger = app.browser();
    const other = await addSamlUser(idp, {});
    const refused = await prove(stranger, other);
    assertRefused(refused, 403, 'IDENTITY_PROOF_MISMATCH');
    assertRefused(await stranger.post(`${link}/create`, { confirm: 'yes' }), 403, 'IDENTITY_PROOF_REQUIRED');
    assert.equal((await accountsWith('elsewhere@uni-a.example')).length, 0);
    // The person on a second device: proved, then the account is created and signed in there.
    const phone = app.browser();
    const proved = await prove(phone, user);
    assert.equal(proved.location, link);
    const created = await phone.post(`${link}/create`, { confirm: 'yes' });
    assert.equal(created.status, 303);
    const [identity] = await identities('uni', persistent(user));
    assert.equal(identity?.account_id, (await accountsWith('elsewhere@uni-a.example'))[0]?.id);
  });

  test('case 2: a signed-in account links the IdP from its account page (the flow survives the cookie-less POST)', async () => {
    const { app, idp } = ctx();
    const account = await createPasswordAccount(app, 'linker@uni-a.example');
    const user = await addSamlUser(idp, { mail: ['someone.else@uni-a.example'] });
    const browser = app.browser();
    await signInWithPassword(browser, 'linker@uni-a.example');
    const profile = await browser.get('/profile');
    assert.match(profile.body, /action="\/profile\/link\/uni"/);
    assert.match(profile.body, /Connect University A/);
    // Linking may use the IdP session: only a proof asks for a fresh sign-in.
    const start = await browser.post('/profile/link/uni', {});
    const request = new URL(onwardFrom(start)).searchParams.get('SAMLRequest')!;
    assert.doesNotMatch(inflateRawSync(Buffer.from(request, 'base64')).toString('utf8'), /ForceAuthn/);
    const back = await signInWithSaml(app, browser, user, { form: {} });
    assert.equal(back.location, '/profile');
    assert.equal((await identities('uni', persistent(user)))[0]?.account_id, account.id);
  });

  test('case 8: an identity linked to one account cannot be linked to another (409, nothing changed)', async () => {
    const { app, idp } = ctx();
    const owner = await createPasswordAccount(app, 'first.owner@uni-a.example');
    await createPasswordAccount(app, 'second.try@uni-a.example');
    const user = await addSamlUser(idp, {});
    const first = app.browser();
    await signInWithPassword(first, 'first.owner@uni-a.example');
    await first.get('/profile');
    assert.equal((await signInWithSaml(app, first, user, { form: {} })).location, '/profile');
    const second = app.browser();
    await signInWithPassword(second, 'second.try@uni-a.example');
    await second.get('/profile');
    const refused = await signInWithSaml(app, second, user, { form: {} });
    assert.equal(refused.status, 409);
    assert.match(refused.body, /IDENTITY_LINKED_ELSEWHERE/);
    assert.equal((await identities('uni', persistent(user)))[0]?.account_id, owner.id);
  });

  test('eduPersonOrcid is a hint in the snapshot, never an ORCID identity', async () => {
    const { app, idp } = ctx();
    const user = await addSamlUser(idp, {
      mail: ['orcid.claimer@uni-a.example'],
      eduPersonOrcid: ['https://orcid.org/0000-0002-1825-0097'],
    });
    const browser = app.browser();
    const back = await signInWithSaml(app, browser, user, { provider: 'lab' });
    await browser.get(back.location!);
    await browser.post(`${back.location}/create`, {});
    const [identity] = await identities('lab', persistent(user));
    assert.equal(identity?.profile.hints?.orcid, 'https://orcid.org/0000-0002-1825-0097');
    assert.equal((await identities('orcid')).length, 0);
    const linked = await app.lanyard.db
      .selectFrom('identity')
      .select('provider')
      .where('account_id', '=', identity!.account_id)
      .execute();
    assert.deepEqual(
      linked.map((e) => e.provider),
      ['lab'],
    );
  });

  test('two entries at the same IdP are two identities: the second never signs in to the first one’s account', async () => {
    const { app, idp } = ctx();
    const user = await addSamlUser(idp, { mail: ['shared.sub@uni-a.example'] });
    const browser = app.browser();
    const viaLab = await signInWithSaml(app, browser, user, { provider: 'lab' });
    await browser.get(viaLab.location!);
    await browser.post(`${viaLab.location}/create`, {});
    const viaUni = await signInWithSaml(app, app.browser(), user);
    assert.match(viaUni.location!, /^\/external-login\//, 'uni does not know this subject');
    assert.equal((await identities('uni', persistent(user))).length, 0);
    assert.equal((await identities('lab', persistent(user))).length, 1);
  });

  test('the subject: subject-id before pairwise-id before the persistent NameID before eppn', async () => {
    const { app, idp } = ctx();
    const withSubjectId = await addSamlUser(idp, {
      'subject-id': ['Abc123@uni-a.example'],
      'pairwise-id': ['pw1@uni-a.example'],
      eduPersonPrincipalName: ['sid@uni-a.example'],
    });
    await signInWithSaml(app, app.browser(), withSubjectId);
    assert.ok(await registrationFor(`${idp.entityId} subject-id:abc123@uni-a.example`), 'subject-id, lower-cased');
    const withPairwise = await addSamlUser(idp, { 'pairwise-id': ['PW2@uni-a.example'] });
    await signInWithSaml(app, app.browser(), withPairwise);
    assert.ok(await registrationFor(`${idp.entityId} pairwise-id:pw2@uni-a.example`));
    const eppnOnly = await addSamlUser(idp, { eduPersonPrincipalName: ['Only.Eppn@UNI-A.example'] });
    await signInWithSaml(app, app.browser(), eppnOnly, { switches: { nameid: 'transient' } });
    assert.ok(
      await registrationFor(`${idp.entityId} eppn:Only.Eppn@uni-a.example`),
      'eppn when the NameID is transient (its scope lower-cased)',
    );
  });

  test('an IdP that starts releasing subject-id signs its people in to the account of their persistent NameID, no new identity', async () => {
    const { app, idp } = ctx();
    const user = await addSamlUser(idp, { eduPersonPrincipalName: ['later@uni-a.example'] });
    const first = app.browser();
    const account = await createPasswordAccount(app, `${user}@lab.example`);
    await signInWithPassword(first, `${user}@lab.example`);
    assert.equal((await signInWithSaml(app, first, user, { form: {} })).location, '/profile');
    assert.equal((await identities('uni', persistent(user)))[0]?.account_id, account.id);
    // The IdP adds the REFEDS subject-id: it comes first now, beside the same persistent NameID.
    await idp.addUsers({
      [user]: {
        persistentId: `p-${user}`,
        attributes: {
          givenName: ['Later'],
          sn: ['Scholar'],
          'subject-id': [`${user}@uni-a.example`],
          eduPersonPrincipalName: ['later@uni-a.example'],
        },
      },
    });
    const back = await signInWithSaml(app, app.browser(), user, { returnTo: '/profile' });
    assert.equal(back.status, 303, back.body.slice(0, 400));
    assert.equal(back.location, '/profile', 'the returning person signs in, no first-login page');
    const uni = await identities('uni');
    assert.deepEqual(
      uni.filter((i) => i.account_id === account.id).map((i) => i.subject),
      [persistent(user)],
      'one identity, as it was linked',
    );
    assert.equal((await registrationFor(`${idp.entityId} subject-id:${user}@uni-a.example`)) ?? null, null);
  });

  test('a reassigned eppn beside a new subject-id never opens the account of the eppn’s previous holder', async () => {
    const { app, idp } = ctx();
    const previous = await addSamlUser(idp, { eduPersonPrincipalName: ['reused@uni-a.example'] });
    const first = app.browser();
    const account = await createPasswordAccount(app, `${previous}@lab.example`);
    await signInWithPassword(first, `${previous}@lab.example`);
    await signInWithSaml(app, first, previous, { form: {}, switches: { nameid: 'transient' } });
    assert.equal((await identities('uni', `${idp.entityId} eppn:reused@uni-a.example`))[0]?.account_id, account.id);
    const next = await addSamlUser(idp, {
      'subject-id': ['newcomer@uni-a.example'],
      eduPersonPrincipalName: ['reused@uni-a.example'],
    });
    const back = await signInWithSaml(app, app.browser(), next, { switches: { nameid: 'transient' } });
    assert.match(back.location ?? '', /^\/external-login\//, 'a new person: the first-login page');
  });

  for (const [label, switches] of [
    ['unencrypted, the response signed', { encrypt: '0', sign: 'response' }],
    ['unencrypted, the assertion signed', { encrypt: '0', sign: 'assertion' }],
    ['encrypted (AES-256-CBC), the response signed', { encrypt: '1', sign: 'response' }],
    ['encrypted (AES-128-GCM), the assertion signed', { encrypt: '1', sign: 'assertion', enc: 'aes128-gcm' }],
    ['encrypted, response and assertion signed', { encrypt: '1', sign: 'both' }],
  ] as const) {
    test(`a sign-in with the assertion ${label} lands in the account`, async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, {});
      const first = app.browser();
      await createPasswordAccount(app, `${user}@lab.example`);
      await signInWithPassword(first, `${user}@lab.example`);
      await first.get('/profile');
      assert.equal((await signInWithSaml(app, first, user, { form: {}, switches })).location, '/profile');
      const back = await signInWithSaml(app, app.browser(), user, { returnTo: '/profile', switches });
      assert.equal(back.status, 303, back.body.slice(0, 400));
      assert.equal(back.location, '/profile');
    });
  }
});
