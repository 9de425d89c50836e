import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashToken } from '../../src/crypto/token.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { addOrcidUser, createPasswordAccount } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';
import { ApiClient, mailedToken, orcidRegistration } from './support/api-client.js';

let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now().toString(36)}@holes.example`;
const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The holes of DSpace's implementation (docs/design.md), each tried against Lanyard's
 * API and refused. A refusal changes nothing but the audit trail (refused links are audited).
 */
forEachBackend(
  'DSpace holes (reference §6.2) are closed',
  (ctx) => {
    const client = () => ApiClient.for(ctx());
    const unchanged = <T>(action: () => Promise<T>) => expectNoChange(ctx().lanyard.db, action);
    const identityOf = (orcid: string) =>
      ctx()
        .lanyard.db.selectFrom('identity')
        .selectAll()
        .where('provider', '=', 'orcid')
        .where('subject', '=', orcid)
        .executeTakeFirst();

    /** A VALIDATION token for `account`'s address, from an ORCID registration of a fresh iD. */
    async function validationFor(c: ApiClient, email: string) {
      const { token, registration, orcid } = await orcidRegistration(c);
      await c.patchEmail(registration.id, token, 'add', email);
      return { orcid, token: await mailedToken(ctx(), email, '/review-account/') };
    }

    test('§6.2.1: a token used on another registration → 401 TOKEN_REGISTRATION_MISMATCH; the victim’s registration is untouched', async () => {
      const c = await client();
      const victim = await orcidRegistration(c, { givenNames: 'Victim' });
      const attacker = await orcidRegistration(c);
      assert.match(victim.registration.id, uuidV4, 'registration ids are random UUIDs, never sequential');
      assertRefused(
        await unchanged(() => c.patchEmail(victim.registration.id, attacker.token, 'add', unique('attacker'))),
        401,
        'TOKEN_REGISTRATION_MISMATCH',
      );
      // A password-flow token (DSpace: REGISTER/FORGOT tokens never expire there) is refused the same way.
      const registerEmail = unique('register');
      await c.post('/api/eperson/registrations?accountRequestType=register', { json: { email: registerEmail } });
      const register = (
        await ctx()
          .lanyard.db.selectFrom('registration')
          .select('id')
          .where('email', '=', registerEmail)
          .executeTakeFirstOrThrow()
      ).id;
      assertRefused(
        await unchanged(() => c.patchEmail(register, attacker.token, 'add', unique('attacker'))),
        401,
        'TOKEN_REGISTRATION_MISMATCH',
      );
      // Both tokens still work for their own registrations.
      assert.equal((await c.findByToken(victim.token)).json().email, null);
      assert.equal((await c.patchEmail(attacker.registration.id, attacker.token, 'add', unique('own'))).status, 204);
    });

    test('§6.2.2: an anonymous VALIDATION merge into another account’s uuid → 403 FORBIDDEN; no takeover, the token keeps its one target', async () => {
      const attackerAccount = await createPasswordAccount(ctx(), unique('attacker'));
      const victim = await createPasswordAccount(ctx(), unique('victim'), { givenName: 'Vic', familyName: 'Tim' });
      const c = await client();
      const { token, orcid } = await validationFor(c, attackerAccount.email);
      assertRefused(
        await c.post(`/api/eperson/epersons/${victim.id}?token=${token}&override=eperson.firstname,eperson.lastname`),
        401,
        'FORBIDDEN',
      );
      assert.equal(await identityOf(orcid), undefined, 'the attacker’s iD is linked to nobody');
      const after = await ctx()
        .lanyard.db.selectFrom('account')
        .selectAll()
        .where('id', '=', victim.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(after, victim, 'the victim’s account is untouched');
      const refusal = await ctx()
        .lanyard.db.selectFrom('audit_event')
        .select('detail')
        .where('action', '=', 'link_refused')
        .orderBy('at', 'desc')
        .executeTakeFirstOrThrow();
      assert.deepEqual(refusal.detail, { code: 'FORBIDDEN' }, 'the attempt is audited');
      assert.equal((await c.post(`/api/eperson/epersons/${attackerAccount.id}?token=${token}`)).status, 201);
      assert.equal((await identityOf(orcid))?.account_id, attackerAccount.id);
    });

    test('§6.2.3: an account with an ORCID iD is never left half-merged: a second iD → 409 IDENTITY_ALREADY_LINKED', async () => {
      const account = await createPasswordAccount(ctx(), unique('has-orcid'));
      const c = await client();
      const first = await validationFor(c, account.email);
      assert.equal((await c.post(`/api/eperson/epersons/${account.id}?token=${first.token}`)).status, 201);
      const second = await validationFor(c, account.email);
      assertRefused(
        await c.post(`/api/eperson/epersons/${account.id}?token=${second.token}`),
        409,
        'IDENTITY_ALREADY_LINKED',
      );
      assert.equal(await identityOf(second.orcid), undefined);
      // The first iD signs in to the account (DSpace's netid mismatch loops back to a new registration instead).
      const back = await c.orcidSignIn(first.orcid, '/api/authn/status');
      assert.equal(back.location, '/api/authn/status');
    });

    test('§6.2.4: an expired token is refused on every endpoint (findByToken, PATCH, create, merge with ORCID and VALIDATION tokens)', async () => {
      const account = await createPasswordAccount(ctx(), unique('expiry'));
      const c = await client();
      const external = await orcidRegistration(c, {
        emails: [{ email: unique('expiry-public'), visibility: 'public', verified: true }],
      });
      const validation = await validationFor(c, account.email);
      ctx().clock.advance(3600_000 + 1000);
      await c.login(account.email);
      const refusedAll = async (code: 'TOKEN_EXPIRED') => {
        // Statuses as DSpace's contract for a signed-in caller: 403 on PATCH and merge, 400 on create.
        assertRefused(await c.findByToken(external.token), 401, code);
        assertRefused(
          await c.patchEmail(external.registration.id, external.token, 'replace', unique('late')),
          403,
          code,
        );
        assertRefused(await c.post(`/api/eperson/epersons?token=${external.token}`, { json: {} }), 400, code);
        assertRefused(await c.post(`/api/eperson/epersons/${account.id}?token=${external.token}`), 403, code);
        assertRefused(await c.post(`/api/eperson/epersons/${account.id}?token=${validation.token}`), 403, code);
      };
      await unchanged(() => refusedAll('TOKEN_EXPIRED'));
    });

    test('§6.2.4 and docs/design.md: a used token, and the token a PATCH replaced, are refused on every endpoint', async () => {
      const account = await createPasswordAccount(ctx(), unique('reuse'));
      const c = await client();
      const rotated = await orcidRegistration(c);
      assert.equal((await c.patchEmail(rotated.registration.id, rotated.token, 'add', unique('rotated'))).status, 204);
      const used = await validationFor(c, account.email);
      assert.equal((await c.post(`/api/eperson/epersons/${account.id}?token=${used.token}`)).status, 201);
      await c.login(account.email);
      await unchanged(async () => {
        for (const token of [rotated.token, used.token]) {
          assertRefused(await c.findByToken(token), 401, 'TOKEN_CONSUMED');
          assertRefused(await c.post(`/api/eperson/epersons?token=${token}`, { json: {} }), 400, 'TOKEN_CONSUMED');
          assertRefused(await c.post(`/api/eperson/epersons/${account.id}?token=${token}`), 403, 'TOKEN_CONSUMED');
        }
        assertRefused(
          await c.patchEmail(rotated.registration.id, rotated.token, 'add', unique('again')),
          403,
          'TOKEN_CONSUMED',
        );
      });
    });

    test('§6.2.5: an unverified public ORCID email that matches an account never auto-links; the registration carries no email', async () => {
      const account = await createPasswordAccount(ctx(), unique('unverified-match'));
      const c = await client();
      const { registration, orcid } = await orcidRegistration(c, {
        emails: [{ email: account.email, visibility: 'public', verified: false }],
      });
      assert.equal(registration.email, null);
      assert.equal(registration.user, null, 'nothing about the account is revealed');
      assert.equal(await identityOf(orcid), undefined);
    });

    test('§6.2.6: a callback with a code but without this browser’s state → 400 OAUTH_STATE_INVALID (login CSRF)', async () => {
      const orcid = addOrcidUser(ctx(), { emails: [] });
      const attacker = await client();
      const start = await attacker.get('/api/authn/orcid/start');
      const authorize = new URL(start.location!);
      authorize.searchParams.set('login_as', orcid);
      const callback = (await attacker.browser.get(authorize.href)).location!;
      const victim = await client();
      assertRefused(
        await unchanged(() => victim.get(new URL(callback).pathname + new URL(callback).search)),
        400,
        'OAUTH_STATE_INVALID',
      );
    });

    test('§6.2.6: tokens are 256-bit random strings stored only as hashes', async () => {
      const c = await client();
      const { token, registration } = await orcidRegistration(c);
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      const row = await ctx()
        .lanyard.db.selectFrom('registration')
        .selectAll()
        .where('id', '=', registration.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.token_hash, hashToken(token));
      assert.doesNotMatch(JSON.stringify(row), new RegExp(token));
    });

    test('§6.2.7: only a live token shows a registration and its `user`: unknown, used or expired ones show nothing', async () => {
      const account = await createPasswordAccount(ctx(), unique('reveal'));
      const c = await client();
      const { token } = await validationFor(c, account.email);
      assert.equal((await c.findByToken(token)).json().user, account.id);
      assert.equal((await c.post(`/api/eperson/epersons/${account.id}?token=${token}`)).status, 201);
      const after = await c.findByToken(token);
      assertRefused(after, 401, 'TOKEN_CONSUMED');
      assert.doesNotMatch(after.body, new RegExp(account.id));
    });
  },
  withOrcid,
);
