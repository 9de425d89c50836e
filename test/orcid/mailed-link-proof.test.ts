import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookieNames } from '../../src/http/cookies.js';
import type { Browser } from '../support/browser.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { linkIn } from '../support/mail-catcher.js';
import { addOrcidUser, createPasswordAccount, signInWithOrcid } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { accountIdsWith, identityWith } from '../support/accounts.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';
import { ApiClient, mailedToken, orcidRegistration } from '../api/support/api-client.js';

let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now().toString(36)}@typo.example`;

/**
 * docs/security.md "A mailed link needs the identity too": a researcher whose ORCID email is
 * private types an address with a typo, and the link reaches somebody else's mailbox. Whoever holds
 * that mailbox must not get an account that the researcher's iD opens, nor the iD linked into their
 * own account — through the pages or the REST API. The researcher, opening the link on another
 * device, proves the iD by signing in with ORCID there. Real ORCID emulator, two or three cookie
 * jars, both databases.
 */
forEachBackend(
  'a mailed link opened in another browser needs the identity it names',
  (ctx) => {
    const db = () => ctx().lanyard.db;
    const identityOf = (orcid: string) => identityWith(db(), orcid);
    const accountsWith = (email: string) => accountIdsWith(db(), email);
    const session = (browser: Browser) => browser.cookie(cookieNames(ctx().config).session);

    /** The researcher's ORCID sign-in (no public email) and an address typed on the "we need your email" page. */
    const typed = async (address: string) => {
      const app = ctx();
      const orcid = addOrcidUser(app, { emails: [] });
      const researcher = app.browser();
      const back = await signInWithOrcid(researcher, orcid);
      const token = back.location!.split('/').pop()!;
      await researcher.get(`/external-login/${token}`);
      const sent = await researcher.post(`/external-login/${token}/email`, { email: address });
      assert.equal(sent.status, 303);
      return { orcid, researcher };
    };

    test('the typo’s mailbox owner, in their own browser, is offered only the proof sign-in and can create nothing', async () => {
      const app = ctx();
      const stranger = unique('stranger');
      const { orcid, researcher } = await typed(stranger);
      // The researcher is shown the address typed, typo and all, with the way out.
      const told = await researcher.get('/email-confirmation');
      assert.match(
        told.body,
        new RegExp(`We have sent a link to ${stranger.replace(/[.]/g, '\\.')}\\..* Not your address\\?`),
      );
      const link = new URL(linkIn(await app.mail.waitFor(stranger), '/external-login/')).pathname;
      const owner = app.browser();
      const page = await owner.get(link);
      assert.equal(page.status, 200);
      assert.match(page.body, /Confirm it is you/);
      assert.match(page.body, new RegExp(`sign in with ORCID as ${app.orcid!.siteUrl}/${orcid}`));
      assert.doesNotMatch(page.body, /Create my account/);
      assert.doesNotMatch(page.body, /Send the link/);
      await expectNoChange(db(), async () => {
        assertRefused(await owner.post(`${link}/create`, { confirm: 'yes' }), 403, 'IDENTITY_PROOF_REQUIRED');
      });
      assert.equal((await accountsWith(stranger)).length, 0);
      assert.equal(await identityOf(orcid), undefined);
      assert.equal(session(owner), undefined);
    });

    test('proving with another iD is IDENTITY_PROOF_MISMATCH: nothing created, nobody signed in, the refusal audited', async () => {
      const app = ctx();
      const stranger = unique('stranger-own-id');
      const { orcid } = await typed(stranger);
      const link = new URL(linkIn(await app.mail.waitFor(stranger), '/external-login/')).pathname;
      const owner = app.browser();
      await owner.get(link);
      const ownOrcid = addOrcidUser(app, { emails: [] });
      const proved = await signInWithOrcid(owner, ownOrcid, { startPath: `${link}/prove`, form: {} });
      assertRefused(proved, 403, 'IDENTITY_PROOF_MISMATCH');
      assert.equal(session(owner), undefined);
      assertRefused(await owner.post(`${link}/create`, { confirm: 'yes' }), 403, 'IDENTITY_PROOF_REQUIRED');
      assert.equal((await accountsWith(stranger)).length, 0);
      assert.equal(await identityOf(orcid), undefined);
      assert.equal(await identityOf(ownOrcid), undefined, 'the proof sign-in made no registration or account');
      const refused = await db()
        .selectFrom('audit_event')
        .select('detail')
        .where('action', '=', 'link_refused')
        .where('subject', '=', ownOrcid)
        .execute();
      assert.equal(refused.length, 1);
      assert.equal((refused[0]!.detail as { code: string }).code, 'IDENTITY_PROOF_MISMATCH');
    });

    test('the typo reaches an existing account: its owner cannot link the researcher’s iD into it', async () => {
      const app = ctx();
      const victim = await createPasswordAccount(app, unique('existing'));
      const { orcid } = await typed(victim.email);
      const review = new URL(
        linkIn(await app.mail.waitFor(victim.email, (m) => m.text.includes('/review-account/')), '/review-account/'),
      ).pathname;
      const owner = app.browser();
      const page = await owner.get(review);
      assert.equal(page.status, 200);
      assert.match(page.body, /Confirm it is you/);
      assert.doesNotMatch(page.body, /Link my ORCID iD/);
      await expectNoChange(db(), async () => {
        assertRefused(await owner.post(review, { confirm: 'yes' }), 403, 'IDENTITY_PROOF_REQUIRED');
      });
      assert.equal(await identityOf(orcid), undefined);
    });

    test('the same through the REST API: another client creating or merging with a mailed token is 403, nothing changed', async () => {
      const app = ctx();
      const c = await ApiClient.for(app);
      const { registration, token, orcid } = await orcidRegistration(c);
      const stranger = unique('api-stranger');
      assert.equal((await c.patchEmail(registration.id, token, 'add', stranger)).status, 204);
      const mailed = await mailedToken(app, stranger, '/external-login/');
      const elsewhere = await ApiClient.for(app);
      await elsewhere.status();
      await expectNoChange(db(), async () => {
        assertRefused(
          await elsewhere.post(`/api/eperson/epersons?token=${mailed}`, { json: { email: stranger } }),
          403,
          'IDENTITY_PROOF_REQUIRED',
        );
      });
      assert.equal(await identityOf(orcid), undefined);

      // VALIDATION: the typo is an existing account's address.
      const c2 = await ApiClient.for(app);
      const second = await orcidRegistration(c2);
      const existing = await createPasswordAccount(app, unique('api-existing'));
      assert.equal((await c2.patchEmail(second.registration.id, second.token, 'add', existing.email)).status, 204);
      const validation = await mailedToken(app, existing.email, '/review-account/');
      const owner = await ApiClient.for(app);
      await owner.status();
      await expectNoChange(db(), async () => {
        const refused = await owner.post(
          `/api/eperson/epersons/${existing.id}?token=${validation}&override=eperson.firstname`,
        );
        assertRefused(refused, 403, 'IDENTITY_PROOF_REQUIRED');
        // The refusal names Lanyard's page of the link, where this client's person can prove the iD.
        const { details } = refused.json<{ details: Record<string, string> }>();
        assert.equal(details.continueAt, `${app.config.publicUrl}/review-account/${validation}`);
        // The provider in English, and its id, from which a client names it in its own language.
        assert.equal(details.provider, 'ORCID');
        assert.equal(details.providerId, 'orcid');
      });
      assert.equal(await identityOf(second.orcid), undefined);
    });

    test('the mailbox owner cannot send the link on to an address of their choice (page and REST): 403, nothing mailed', async () => {
      const app = ctx();
      const strangerAccount = await createPasswordAccount(app, unique('stranger-account'));
      const typo = unique('typo');
      const { researcher } = await typed(typo);
      const link = new URL(linkIn(await app.mail.waitFor(typo), '/external-login/')).pathname;
      const stranger = app.browser();
      await stranger.get(link);
      // Re-aimed at the stranger's own account, the new link would still open in the researcher's
      // browser without a proof, and "I got this by mistake" is what the researcher waits for.
      await expectNoChange(db(), async () => {
        assertRefused(
          await stranger.post(`${link}/email`, { email: strangerAccount.email }),
          403,
          'IDENTITY_PROOF_REQUIRED',
        );
      });
      // The researcher's own browser may still change it (a typo seen late).
      const fixed = unique('fixed');
      assert.equal((await researcher.post(`${link}/email`, { email: fixed })).status, 303);
      await app.mail.waitFor(fixed);

      const c = await ApiClient.for(app);
      const { registration, token } = await orcidRegistration(c);
      const apiTypo = unique('api-typo');
      assert.equal((await c.patchEmail(registration.id, token, 'add', apiTypo)).status, 204);
      const mailed = await mailedToken(app, apiTypo, '/external-login/');
      const elsewhere = await ApiClient.for(app);
      const id = (await elsewhere.findByToken(mailed)).json<{ id: string }>().id;
      await expectNoChange(db(), async () => {
        const patched = await elsewhere.patchEmail(id, mailed, 'replace', strangerAccount.email);
        assertRefused(patched, 403, 'IDENTITY_PROOF_REQUIRED');
        assert.equal(
          patched.json<{ details: { continueAt: string } }>().details.continueAt,
          `${app.config.publicUrl}/external-login/${mailed}`,
        );
      });
    });

    test('the researcher on another device proves the iD with ORCID, then creates the account there and is signed in', async () => {
      const app = ctx();
      const own = unique('own');
      const { orcid, researcher } = await typed(own);
      const link = new URL(linkIn(await app.mail.waitFor(own), '/external-login/')).pathname;
      const phone = app.browser();
      await phone.get(link);
      // ORCID is asked for a fresh sign-in: the phone may be signed in there as somebody else.
      const proved = await signInWithOrcid(phone, orcid, {
        startPath: `${link}/prove`,
        form: {},
        authorize: (url) => assert.equal(url.searchParams.get('prompt'), 'login'),
      });
      assert.equal(proved.status, 303);
      assert.equal(proved.location, link);
      assert.equal(session(phone), undefined, 'proving signs nobody in');
      const page = await phone.get(link);
      assert.match(page.body, /Create my account/);
      // The browser of the first sign-in keeps the link too.
      assert.match((await researcher.get(link)).body, /Create my account/);
      assert.match(page.body, /you signed in with ORCID as the person this link was sent for/);
      const created = await phone.post(`${link}/create`, { confirm: 'yes' });
      assert.equal(created.status, 303);
      assert.notEqual(session(phone), undefined, 'signed in where the iD was proved');
      const [account] = await accountsWith(own);
      assert.equal((await identityOf(orcid))?.account_id, account!.id);
      const proofs = await db()
        .selectFrom('audit_event')
        .select('action')
        .where('action', '=', 'registration_proved')
        .where('subject', '=', orcid)
        .execute();
      assert.equal(proofs.length, 1);
    });

    test('a proved browser may send the link on (a typo seen late): the new link works there and in the first browser, the cookie renewed', async () => {
      const app = ctx();
      const typo = unique('late-typo');
      const { orcid, researcher } = await typed(typo);
      const link = new URL(linkIn(await app.mail.waitFor(typo), '/external-login/')).pathname;
      const phone = app.browser();
      await phone.get(link);
      await signInWithOrcid(phone, orcid, { startPath: `${link}/prove`, form: {} });
      await phone.get(link);
      const right = unique('right');
      const sent = await phone.post(`${link}/email`, { email: right });
      assert.equal(sent.status, 303);
      const name = cookieNames(app.config).browser;
      const renewed = [sent.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith(`${name}=`));
      assert.match(renewed ?? '', /Max-Age=\d+/, 'the browser cookie lives as long as the new link');
      const next = new URL(linkIn(await app.mail.waitFor(right), '/external-login/')).pathname;
      assert.match((await phone.get(next)).body, /Create my account/);
      assert.match((await researcher.get(next)).body, /Create my account/);
      assert.match((await app.browser().get(next)).body, /Confirm it is you/);
    });

    test('the researcher proves the iD for a link to their existing account, then links it there', async () => {
      const app = ctx();
      const mine = await createPasswordAccount(app, unique('mine'));
      const { orcid } = await typed(mine.email);
      const review = new URL(
        linkIn(await app.mail.waitFor(mine.email, (m) => m.text.includes('/review-account/')), '/review-account/'),
      ).pathname;
      const phone = app.browser();
      await phone.get(review);
      const proved = await signInWithOrcid(phone, orcid, { startPath: `${review}/prove`, form: {} });
      assert.equal(proved.location, review);
      const page = await phone.get(review);
      assert.match(page.body, /Link my ORCID iD and save/);
      const merged = await phone.post(review, { confirm: 'yes' });
      assert.equal(merged.status, 303);
      assert.equal((await identityOf(orcid))?.account_id, mine.id);
      assert.notEqual(session(phone), undefined);
    });

    test('a proof cannot be replayed onto a used link, and a link used in the sign-in’s browser needs no proof', async () => {
      const app = ctx();
      const own = unique('origin');
      const { orcid, researcher } = await typed(own);
      const link = new URL(linkIn(await app.mail.waitFor(own), '/external-login/')).pathname;
      const other = app.browser();
      await other.get(link);
      // The origin browser finishes first.
      const page = await researcher.get(link);
      assert.match(page.body, /Create my account/);
      assert.equal((await researcher.post(`${link}/create`, { confirm: 'yes' })).status, 303);
      assert.notEqual(session(researcher), undefined);
      // The other browser's proof now finds the link used.
      const late = await other.post(`${link}/prove`, {});
      assertRefused(late, 401, 'TOKEN_CONSUMED');
      assert.equal((await identityOf(orcid))?.account_id, (await accountsWith(own))[0]!.id);
    });
  },
  withOrcid,
);
