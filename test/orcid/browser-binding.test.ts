import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashToken } from '../../src/crypto/token.js';
import { cookieNames } from '../../src/http/cookies.js';
import type { Browser } from '../support/browser.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { linkIn } from '../support/mail-catcher.js';
import { addOrcidUser, createPasswordAccount, signInWithOrcid, signInWithPassword } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { accountIdsWith, identityWith } from '../support/accounts.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';
import { ApiClient, mailedToken, orcidRegistration } from '../api/support/api-client.js';

let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now().toString(36)}@bind.example`;

/**
 * docs/security.md "Registration tokens are bound to the browser": two browsers (two cookie jars),
 * the real ORCID emulator. The attacker completes an ORCID sign-in and hands its registration link
 * to a victim; the victim's browser must not link the attacker's iD, nor be signed in by it.
 */
forEachBackend(
  'registration links from a provider sign-in work only in its browser',
  (ctx) => {
    const db = () => ctx().lanyard.db;
    const identityOf = (orcid: string) => identityWith(db(), orcid);
    const accountsWith = (email: string) => accountIdsWith(db(), email);
    const session = (browser: Browser) => browser.cookie(cookieNames(ctx().config).session);

    /** The attacker's own ORCID sign-in, ending on /external-login/{token} in the attacker's browser. */
    const attackerRegistration = async (emails: Parameters<typeof addOrcidUser>[1]['emails'] = []) => {
      const app = ctx();
      const orcid = addOrcidUser(app, { emails });
      const attacker = app.browser();
      const back = await signInWithOrcid(attacker, orcid);
      assert.match(back.location ?? '', /^\/external-login\/[A-Za-z0-9_-]{43}$/);
      const token = back.location!.split('/').pop()!;
      return { orcid, attacker, token };
    };

    test('the callback gives the browser an HttpOnly browser cookie; the registration stores only its hash', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {});
      const browser = app.browser();
      const back = await signInWithOrcid(browser, orcid);
      const name = cookieNames(app.config).browser;
      const header = [back.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith(`${name}=`));
      assert.match(header ?? '', /; HttpOnly/);
      assert.match(header ?? '', /; SameSite=Lax/);
      const value = browser.cookie(name)!;
      assert.match(value, /^[A-Za-z0-9_-]{43}$/);
      const reg = await db()
        .selectFrom('registration')
        .selectAll()
        .where('subject', '=', orcid)
        .executeTakeFirstOrThrow();
      assert.equal(reg.browser_hash, hashToken(value));
      assert.equal(reg.mailed, false);
    });

    test('item 2: a signed-in victim opening the attacker’s /review-account link links nothing (403 REGISTRATION_OTHER_BROWSER)', async () => {
      const app = ctx();
      const { orcid, attacker, token } = await attackerRegistration();
      const victimAccount = await createPasswordAccount(app, unique('victim'));
      const victim = app.browser();
      await signInWithPassword(victim, victimAccount.email);
      await victim.get('/login'); // a CSRF field of the victim's own
      const review = `/review-account/${token}`;
      await expectNoChange(db(), async () => {
        assertRefused(await victim.get(review), 403, 'REGISTRATION_OTHER_BROWSER');
        assertRefused(await victim.get(`/external-login/${token}`), 403, 'REGISTRATION_OTHER_BROWSER');
      });
      // Pressing the button anyway (a form built from the page on main).
      assertRefused(await victim.post(review, { givenName: 'received' }), 403, 'REGISTRATION_OTHER_BROWSER');
      assert.equal(await identityOf(orcid), undefined, 'the attacker’s iD is linked to nothing');
      const refused = await db()
        .selectFrom('audit_event')
        .select('detail')
        .where('action', '=', 'link_refused')
        .where('actor_account_id', '=', victimAccount.id)
        .execute();
      assert.equal(refused.length, 1, 'the refusal is audited');
      // The token is still the attacker's, in the attacker's browser only.
      assert.equal((await attacker.get(`/external-login/${token}`)).status, 200);
    });

    test('item 2: the same through the REST API — the victim’s client merging the attacker’s token is 403, nothing linked', async () => {
      const app = ctx();
      const attacker = await ApiClient.for(app);
      const { orcid, token } = await orcidRegistration(attacker);
      const victimAccount = await createPasswordAccount(app, unique('api-victim'));
      const victim = await ApiClient.for(app);
      assert.equal((await victim.login(victimAccount.email)).status, 200);
      const merged = await victim.post(
        `/api/eperson/epersons/${victimAccount.id}?token=${token}&override=eperson.firstname`,
      );
      assertRefused(merged, 403, 'REGISTRATION_OTHER_BROWSER');
      assert.equal(await identityOf(orcid), undefined);
      await expectNoChange(db(), async () => {
        assertRefused(
          await victim.get(`/api/eperson/registrations/search/findByToken?token=${token}`),
          403,
          'REGISTRATION_OTHER_BROWSER',
        );
      });
    });

    test('item 2: a mailed EXTERNAL link proves a mailbox, not the signed-in account — linking it stays with the sign-in’s browser', async () => {
      const app = ctx();
      const { orcid, attacker, token } = await attackerRegistration();
      const attackerMailbox = unique('attacker-box');
      await attacker.get(`/external-login/${token}`);
      await attacker.post(`/external-login/${token}/email`, { email: attackerMailbox });
      const link = new URL(linkIn(await app.mail.waitFor(attackerMailbox), '/external-login/')).pathname;
      const mailedToken = link.split('/').pop()!;
      const victimAccount = await createPasswordAccount(app, unique('victim-m'));
      const victim = app.browser();
      await signInWithPassword(victim, victimAccount.email);
      // The mailed link itself opens anywhere (it proves the mailbox) but offers no "link an existing account" there.
      const page = await victim.get(link);
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.body, /Sign in to link an existing account/);
      assert.match(page.body, /Confirm it is you/);
      const review = `/review-account/${mailedToken}`;
      assertRefused(await victim.get(review), 403, 'REGISTRATION_OTHER_BROWSER');
      assertRefused(await victim.post(review, { confirm: 'yes' }), 403, 'REGISTRATION_OTHER_BROWSER');
      assert.equal(await identityOf(orcid), undefined);
    });

    test('item 3: an anonymous victim pressing "Create my account" on the attacker’s link creates nothing and is signed in to nothing', async () => {
      const app = ctx();
      const attackerEmail = unique('attacker-pub');
      const { orcid, token } = await attackerRegistration([
        { email: attackerEmail, visibility: 'public', verified: true },
      ]);
      const victim = app.browser();
      await victim.get('/login');
      await expectNoChange(db(), async () => {
        assertRefused(await victim.get(`/external-login/${token}`), 403, 'REGISTRATION_OTHER_BROWSER');
        assertRefused(await victim.post(`/external-login/${token}/create`, {}), 403, 'REGISTRATION_OTHER_BROWSER');
        assertRefused(
          await victim.post(`/external-login/${token}/email`, { email: unique('victim-typed') }),
          403,
          'REGISTRATION_OTHER_BROWSER',
        );
      });
      assert.equal(session(victim), undefined, 'the victim is signed in to nothing');
      assert.equal((await accountsWith(attackerEmail)).length, 0);
      assert.equal(await identityOf(orcid), undefined);
    });

    test('item 3: the attacker’s mailed links, completed by an anonymous victim, sign the victim in to nothing', async () => {
      const app = ctx();
      // VALIDATION: the attacker's own account, its link sent to the victim.
      const attackerAccount = await createPasswordAccount(app, unique('attacker-acct'));
      const first = await attackerRegistration();
      await first.attacker.get(`/external-login/${first.token}`);
      await first.attacker.post(`/external-login/${first.token}/email`, { email: attackerAccount.email });
      const review = new URL(
        linkIn(
          await app.mail.waitFor(attackerAccount.email, (m) => m.text.includes('/review-account/')),
          '/review-account/',
        ),
      ).pathname;
      const victim = app.browser();
      const page = await victim.get(review);
      assert.equal(page.status, 200);
      // Not the sign-in's browser: only the proof sign-in is offered (test/orcid/mailed-link-proof.test.ts).
      assert.match(page.body, /Confirm it is you/);
      await expectNoChange(db(), async () =>
        assertRefused(await victim.post(review, { confirm: 'yes' }), 403, 'IDENTITY_PROOF_REQUIRED'),
      );
      assert.equal(session(victim), undefined, 'not signed in to the attacker’s account');
      assert.notEqual((await victim.get('/profile')).status, 200, 'no account page for the victim');
      assert.equal(await identityOf(first.orcid), undefined);

      // EXTERNAL: a mailbox of the attacker's, its create link sent to the victim.
      const second = await attackerRegistration();
      const box = unique('attacker-new');
      await second.attacker.get(`/external-login/${second.token}`);
      await second.attacker.post(`/external-login/${second.token}/email`, { email: box });
      const create = new URL(linkIn(await app.mail.waitFor(box), '/external-login/')).pathname;
      const victim2 = app.browser();
      await victim2.get(create);
      await expectNoChange(db(), async () =>
        assertRefused(await victim2.post(`${create}/create`, { confirm: 'yes' }), 403, 'IDENTITY_PROOF_REQUIRED'),
      );
      assert.equal(session(victim2), undefined, 'not signed in to an account the attacker’s iD opens');
      assert.equal((await accountsWith(box)).length, 0);
    });

    test('a mailed link works for the REST client of the sign-in (another client: test/orcid/mailed-link-proof.test.ts)', async () => {
      const app = ctx();
      const c = await ApiClient.for(app);
      const { registration, token, orcid } = await orcidRegistration(c);
      const email = unique('api-own');
      assert.equal((await c.patchEmail(registration.id, token, 'add', email)).status, 204);
      const mailed = await mailedToken(app, email, '/external-login/');
      const created = await c.post(`/api/eperson/epersons?token=${mailed}`, { json: { email } });
      assert.equal(created.status, 201, created.body);
      assert.equal((await identityOf(orcid))?.account_id, created.json<{ id: string }>().id);
    });
  },
  withOrcid,
);
