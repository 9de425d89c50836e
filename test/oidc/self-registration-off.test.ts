import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser } from '../support/browser.js';
import { linkIn } from '../support/mail-catcher.js';
import { addIdpUser, forEachBackendWithIdp, signInWithOidc } from '../support/oidc.js';
import { createPasswordAccount } from '../support/orcid.js';

/**
 * First sign-in with an OpenID Connect IdP where self-registration is off (first-login case 7), end
 * to end against a real IdP: no way to create an account, the linking paths remain, and pages,
 * mails and the REST API's registration name the IdP being linked.
 */
forEachBackendWithIdp(
  'first sign-in with an OpenID Connect IdP, self-registration off',
  (ctx) => {
    const accounts = async () =>
      Number(
        (
          await ctx()
            .app.lanyard.db.selectFrom('account')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const registration = async (browser: Browser, path: string) => {
      const token = path.split('/').pop()!;
      const answer = await browser.get(
        `/api/eperson/registrations/search/findByToken?token=${encodeURIComponent(token)}`,
        { accept: 'application/json' },
      );
      assert.equal(answer.status, 200, answer.body.slice(0, 300));
      return answer.json();
    };

    test('no email released: "we need your email" without a create option; create is refused, nothing created', async () => {
      const { app, idp } = ctx();
      const sub = addIdpUser(idp, {});
      const browser = app.browser();
      const back = await signInWithOidc(browser, sub);
      assert.match(back.location!, /^\/external-login\//);
      const page = await browser.get(back.location!);
      assert.match(page.body, /data-self-registration="off"/);
      assert.doesNotMatch(page.body, /Create my account/);
      assert.match(page.body, /Finish signing in with University of Example/);
      assert.match(page.body, /Sign in to link an existing account/);
      const before = await accounts();
      const refused = await browser.post(`${back.location}/create`, {});
      assert.equal(refused.status, 403);
      assert.match(refused.body, /SELF_REGISTRATION_DISABLED/);
      assert.equal(await accounts(), before);
      const reg = await registration(browser, back.location!);
      assert.equal(reg.registrationType, 'EXTERNAL', 'DSpace’s ORCID names stay ORCID’s');
      assert.equal(reg.netId, sub);
      assert.deepEqual(reg.provider, { id: 'uni', label: 'University of Example' });
    });

    test('a trusted verified email no account uses: no create option either', async () => {
      const { app, idp } = ctx();
      const sub = addIdpUser(idp, { email: 'unknown.here@lab.example', email_verified: true });
      const browser = app.browser();
      const back = await signInWithOidc(browser, sub, { provider: 'lab' });
      const page = await browser.get(back.location!);
      assert.match(page.body, /data-self-registration="off"/);
      assert.doesNotMatch(page.body, /Create my account/);
      assert.match(page.body, /Example Lab/);
      assert.deepEqual((await registration(browser, back.location!)).provider, { id: 'lab', label: 'Example Lab' });
    });

    test('a typed new address gets the mailed link naming the IdP; opening it still offers no account', async () => {
      const { app, idp } = ctx();
      const sub = addIdpUser(idp, {});
      const browser = app.browser();
      const back = await signInWithOidc(browser, sub);
      await browser.get(back.location!);
      await browser.post(`${back.location}/email`, { email: 'typed.new@uni.example' });
      const mail = await app.mail.waitFor('typed.new@uni.example', (m) => /external-login/.test(m.text));
      assert.match(mail.subject, /University of Example/);
      assert.match(mail.text, /University of Example/);
      const link = linkIn(mail, '/external-login/');
      const page = await browser.get(link);
      assert.match(page.body, /data-self-registration="off"/);
      assert.doesNotMatch(page.body, /Create my account/);
      const before = await accounts();
      const refused = await browser.post(`${new URL(link).pathname}/create`, { confirm: 'yes' });
      assert.equal(refused.status, 403);
      assert.equal(await accounts(), before);
    });

    test('linking still works: the typed address of an account → VALIDATION link → review → linked to that account', async () => {
      const { app, idp } = ctx();
      const account = await createPasswordAccount(app, 'existing@uni.example');
      const sub = addIdpUser(idp, { given_name: 'Grete' });
      const browser = app.browser();
      const back = await signInWithOidc(browser, sub);
      await browser.get(back.location!);
      await browser.post(`${back.location}/email`, { email: 'existing@uni.example' });
      const mail = await app.mail.waitFor('existing@uni.example', (m) => /review-account/.test(m.text));
      assert.match(mail.subject, /University of Example/);
      const link = linkIn(mail, '/review-account/');
      const reg = await registration(browser, new URL(link).pathname);
      assert.equal(reg.registrationType, 'VALIDATION');
      assert.equal(reg.user, account.id);
      assert.deepEqual(reg.provider, { id: 'uni', label: 'University of Example' });
      const review = await browser.get(link);
      assert.match(review.body, /Received from University of Example/);
      const merged = await browser.post(new URL(link).pathname, { confirm: 'yes' });
      assert.equal(merged.location, '/profile');
      const identity = await app.lanyard.db
        .selectFrom('identity')
        .selectAll()
        .where('provider', '=', 'uni')
        .where('subject', '=', sub)
        .executeTakeFirst();
      assert.equal(identity?.account_id, account.id);
    });
  },
  { env: { LANYARD_SELF_REGISTRATION: 'false' } },
);
