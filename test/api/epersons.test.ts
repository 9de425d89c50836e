import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRegistration } from '../../src/stores/registrations.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { createPasswordAccount } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';
import { ApiClient, type EPerson, mailedToken, orcidRegistration } from './support/api-client.js';

let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now().toString(36)}@fake.example`;

/**
 * DSpace's EPersonRegistrationRestControllerIT, EPersonRestRepositoryIT (token part) and
 * AccountServiceImplIT (docs/design.md) against /api/eperson/epersons.
 */
forEachBackend(
  'EPersonRegistrationRestControllerIT, EPersonRestRepositoryIT, AccountServiceImplIT',
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
    const merge = (c: ApiClient, uuid: string, token: string, override?: string) =>
      c.post(`/api/eperson/epersons/${uuid}?token=${token}${override ? `&override=${override}` : ''}`);

    /**
     * DSpace's fixture: a password account "Vins 4Science", and an ORCID registration "Vincenzo Mecca"
     * renewed to its email. `origin`: the client of the ORCID sign-in, the one a mailed token creates
     * and merges in (another client: 403 IDENTITY_PROOF_REQUIRED, test/orcid/mailed-link-proof.test.ts).
     */
    async function validationFixture() {
      const custom = await createPasswordAccount(ctx(), unique('vins'), { givenName: 'Vins', familyName: '4Science' });
      const c = await client();
      const { token, registration, orcid } = await orcidRegistration(c, {
        givenNames: 'Vincenzo',
        familyName: 'Mecca',
      });
      assert.equal((await c.patchEmail(registration.id, token, 'add', custom.email)).status, 204);
      return { custom, orcid, origin: c, token: await mailedToken(ctx(), custom.email, '/review-account/') };
    }

    test('givenOrcidToken_whenPostForMerge_thenUnauthorized: anonymous + ORCID token → 401 AUTH_REQUIRED', async () => {
      const custom = await createPasswordAccount(ctx(), unique('custom'));
      const c = await client();
      const { token } = await orcidRegistration(c);
      assertRefused(
        await unchanged(() => merge(c, custom.id, token, 'eperson.firstname,eperson.lastname,eperson.orcid')),
        401,
        'AUTH_REQUIRED',
      );
      // DSpace's test spells "eperson.firtname": Lanyard validates the request before the token (docs/api.md).
      assertRefused(
        await unchanged(() => merge(c, custom.id, token, 'eperson.firtname')),
        400,
        'OVERRIDE_UNKNOWN_FIELD',
      );
    });

    test('givenExpiredToken_whenPostForMerge_thenUnauthorized: anonymous + expired → 401 TOKEN_EXPIRED', async () => {
      const { custom, token } = await validationFixture();
      ctx().clock.advance(3600_000 + 1000);
      assertRefused(await unchanged(async () => merge(await client(), custom.id, token)), 401, 'TOKEN_EXPIRED');
    });

    test('givenExpiredToken_whenPostAuthForMerge_thenForbidden: signed in as someone else + expired → 403 TOKEN_EXPIRED', async () => {
      const admin = await createPasswordAccount(ctx(), unique('admin'));
      const custom = await createPasswordAccount(ctx(), unique('custom'));
      const c = await client();
      const { token } = await orcidRegistration(c);
      ctx().clock.advance(3600_000 + 1000);
      assert.equal((await c.login(admin.email)).status, 200);
      // DSpace: an AuthorizeException is 403 for an authenticated caller (reference §4.5).
      assertRefused(await unchanged(() => merge(c, custom.id, token)), 403, 'TOKEN_EXPIRED');
    });

    test('givenValidationRegistration_whenPostAuthDiffersFromIdPathParam_thenForbidden → 403 FORBIDDEN, nothing linked', async () => {
      const { custom, token, orcid } = await validationFixture();
      const admin = await createPasswordAccount(ctx(), unique('admin'));
      const c = await client();
      await c.login(admin.email);
      assertRefused(await merge(c, custom.id, token), 403, 'FORBIDDEN');
      assert.equal(await identityOf(orcid), undefined);
    });

    test('givenValidationRegistration_whenPostWithoutOverride_thenCreated / …_thenOnlyNewMetadataAdded: 201, names kept, iD linked', async () => {
      const { custom, token, orcid, origin: c } = await validationFixture();
      await c.login(custom.email);
      const res = await merge(c, custom.id, token);
      assert.equal(res.status, 201);
      const eperson = res.json<EPerson>();
      assert.equal(eperson.netid, orcid);
      assert.equal(eperson.metadata['eperson.firstname']?.[0]?.value, 'Vins');
      assert.equal(eperson.metadata['eperson.lastname']?.[0]?.value, '4Science');
      assert.equal(eperson.metadata['eperson.orcid']?.[0]?.value, orcid);
      assert.equal((await identityOf(orcid))?.account_id, custom.id);
    });

    for (const [name, override] of [
      [
        'givenValidationRegistration_whenPostWithOverride_thenCreated / …_thenMetadataReplaced (comma list)',
        'eperson.firstname,eperson.lastname',
      ],
      [
        '…_thenMetadataReplaced with a repeated override parameter: every override in one call',
        'eperson.firstname&override=eperson.lastname',
      ],
    ] as const) {
      test(`${name}: 201, names replaced by the received ones`, async () => {
        const { custom, token, orcid, origin: c } = await validationFixture();
        await c.login(custom.email);
        const res = await merge(c, custom.id, token, override);
        assert.equal(res.status, 201);
        const eperson = res.json<EPerson>();
        assert.deepEqual(
          [
            eperson.metadata['eperson.firstname']?.[0]?.value,
            eperson.metadata['eperson.lastname']?.[0]?.value,
            eperson.netid,
          ],
          ['Vincenzo', 'Mecca', orcid],
        );
        // DSpace's UI sends one POST per field: for a few minutes the token still applies overrides
        // to this account (docs/api.md, "One call per overridden field"); after that it is spent.
        assert.equal((await merge(c, custom.id, token, 'eperson.lastname')).status, 201);
        ctx().clock.advance(ctx().config.mergeFollowUpSeconds * 1000);
        assertRefused(await merge(c, custom.id, token, 'eperson.lastname'), 403, 'TOKEN_CONSUMED');
      });
    }

    test('givenValidationRegistration_whenPostWithOverrideAndMetadataNotFound_thenBadRequest: eperson.phone → 400, the token still works', async () => {
      const { custom, token, origin: c } = await validationFixture();
      await c.login(custom.email);
      const refused = await unchanged(() => merge(c, custom.id, token, 'eperson.phone'));
      assertRefused(refused, 400, 'OVERRIDE_UNKNOWN_FIELD');
      assert.equal(refused.json().details.field, 'eperson.phone');
      assert.equal((await merge(c, custom.id, token)).status, 201);
    });

    test('anonymous VALIDATION merge into the owner of the email (DSpace UI branch C) → 201, not signed in; ORCID sign-in then lands there', async () => {
      const { custom, token, orcid, origin: c } = await validationFixture();
      const res = await merge(c, custom.id, token, 'eperson.firstname');
      assert.equal(res.status, 201);
      assert.equal(res.json<EPerson>().metadata['eperson.firstname']?.[0]?.value, 'Vincenzo');
      assert.equal((await c.status()).json().authenticated, false);
      const back = await c.orcidSignIn(orcid, '/api/authn/status');
      assert.equal(back.location, '/api/authn/status');
      assert.equal((await c.status()).json()._embedded.eperson.id, custom.id);
    });

    test('Lanyard, unlike DSpace: the owner signed in on another client cannot merge a mailed token → 403 IDENTITY_PROOF_REQUIRED', async () => {
      const { custom, token, orcid } = await validationFixture();
      const c = await client();
      await c.login(custom.email);
      assertRefused(await unchanged(() => merge(c, custom.id, token)), 403, 'IDENTITY_PROOF_REQUIRED');
      assert.equal(await identityOf(orcid), undefined);
    });

    test('postEpersonFromOrcidRegistrationToken: the DSpace UI body → 201 with the ORCID values; not signed in', async () => {
      const c = await client();
      const email = unique('orcid-public');
      const { token, registration, orcid } = await orcidRegistration(c, {
        givenNames: 'Grace',
        familyName: 'Hopper',
        emails: [{ email, visibility: 'public', verified: true }],
      });
      const { email: _omit, ...metadata } = registration.registrationMetadata;
      const res = await c.post(`/api/eperson/epersons?token=${token}`, {
        json: {
          email,
          netid: orcid,
          metadata,
          canLogIn: true,
          requireCertificate: false,
          selfRegistered: true,
          type: 'eperson',
        },
      });
      assert.equal(res.status, 201, res.body);
      const eperson = res.json<EPerson>();
      assert.deepEqual(
        [eperson.email, eperson.netid, eperson.metadata['eperson.firstname']?.[0]?.value],
        [email, orcid, 'Grace'],
      );
      assert.equal(
        (await c.status()).json().authenticated,
        false,
        'DSpace: no session; the UI signs in with ORCID next',
      );
      assertRefused(await c.post(`/api/eperson/epersons?token=${token}`, { json: {} }), 400, 'TOKEN_CONSUMED');
    });

    test('postEpersonFromOrcidRegistrationToken refusals (DSpace: 400 for each): another email or netid, no email yet, expired', async () => {
      const c = await client();
      const email = unique('orcid-refusals');
      const { token, orcid } = await orcidRegistration(c, {
        emails: [{ email, visibility: 'public', verified: true }],
      });
      const post = (body: unknown, t = token) =>
        unchanged(() => c.post(`/api/eperson/epersons?token=${t}`, { json: body }));
      assertRefused(await post({ email: unique('other') }), 400, 'VALIDATION_FAILED');
      assertRefused(await post({ netid: '0000-0002-1825-0097' }), 400, 'VALIDATION_FAILED');
      assertRefused(await post({ netid: orcid, password: 'correct horse battery' }), 400, 'VALIDATION_FAILED');
      assertRefused(await post({ selfRegistered: false }), 400, 'VALIDATION_FAILED');
      const noEmail = await orcidRegistration(c);
      assertRefused(await post({}, noEmail.token), 400, 'REGISTRATION_EMAIL_STATE');
      ctx().clock.advance(3600_000 + 1000);
      assertRefused(await post({}), 400, 'TOKEN_EXPIRED');
    });

    test('postEPersonFromOrcidValidationRegistrationToken: a VALIDATION token never creates (an account owns the email) → 401 TOKEN_WRONG_TYPE; it merges', async () => {
      const { custom, token, origin: c } = await validationFixture();
      assertRefused(
        await unchanged(() => c.post(`/api/eperson/epersons?token=${token}`, { json: { email: custom.email } })),
        400,
        'TOKEN_WRONG_TYPE',
      );
      assert.equal((await merge(c, custom.id, token)).status, 201);
    });

    test('postEpersonNetIdWithoutPasswordNotExternalRegistrationToken: REGISTER token + netid → 400; with a password and names → 201', async () => {
      const c = await client();
      const email = unique('register');
      assert.equal(
        (await c.post('/api/eperson/registrations?accountRequestType=register', { json: { email } })).status,
        201,
      );
      const token = await mailedToken(ctx(), email, '/register/');
      assertRefused(
        await unchanged(() =>
          c.post(`/api/eperson/epersons?token=${token}`, { json: { email, netid: '0000-0002-1825-0097' } }),
        ),
        400,
        'VALIDATION_FAILED',
      );
      assertRefused(
        await unchanged(() => c.post(`/api/eperson/epersons?token=${token}`, { json: { email } })),
        400,
        'VALIDATION_FAILED',
      );
      const metadata = { 'eperson.firstname': [{ value: 'Reg' }], 'eperson.lastname': [{ value: 'Istered' }] };
      const res = await c.post(`/api/eperson/epersons?token=${token}`, {
        json: { email, password: 'correct horse battery', metadata },
      });
      assert.equal(res.status, 201, res.body);
      assert.deepEqual(
        [res.json<EPerson>().netid, res.json<EPerson>().metadata['eperson.lastname']?.[0]?.value],
        [null, 'Istered'],
      );
      assert.equal((await c.login(email)).status, 200);
    });

    test('testMergedORCIDRegistration: signed in + ORCID token into one’s own account → 201; iD linked, email kept, token used up', async () => {
      const linker = await createPasswordAccount(ctx(), unique('linker'));
      const c = await client();
      const { token, orcid } = await orcidRegistration(c, {
        emails: [{ email: unique('orcid-side'), visibility: 'public', verified: true }],
      });
      await c.login(linker.email);
      const res = await merge(c, linker.id, token);
      assert.equal(res.status, 201);
      assert.deepEqual([res.json<EPerson>().netid, res.json<EPerson>().email], [orcid, linker.email]);
      assert.equal((await identityOf(orcid))?.account_id, linker.id);
      assertRefused(await c.findByToken(token), 401, 'TOKEN_CONSUMED');
    });

    test('testMergedORCIDRegistrationWithOverwrittenMetadata: override first and last name', async () => {
      const linker = await createPasswordAccount(ctx(), unique('overwritten'), {
        givenName: 'Old',
        familyName: 'Names',
      });
      const c = await client();
      const { token } = await orcidRegistration(c, { givenNames: 'New', familyName: 'Given' });
      await c.login(linker.email);
      const eperson = (await merge(c, linker.id, token, 'eperson.firstname,eperson.lastname')).json<EPerson>();
      assert.deepEqual(
        [eperson.metadata['eperson.firstname']?.[0]?.value, eperson.metadata['eperson.lastname']?.[0]?.value],
        ['New', 'Given'],
      );
    });

    test('testCannotMergedORCIDRegistrationWithDifferentLoggedEperson → 403 FORBIDDEN, nothing linked, refusal audited', async () => {
      const signedIn = await createPasswordAccount(ctx(), unique('signed-in'));
      const victim = await createPasswordAccount(ctx(), unique('victim'));
      const c = await client();
      const { token, orcid } = await orcidRegistration(c);
      await c.login(signedIn.email);
      assertRefused(await merge(c, victim.id, token), 403, 'FORBIDDEN');
      assert.equal(await identityOf(orcid), undefined);
      const audit = await ctx()
        .lanyard.db.selectFrom('audit_event')
        .select('action')
        .where('action', '=', 'link_refused')
        .where('actor_account_id', '=', signedIn.id)
        .execute();
      assert.equal(audit.length, 1);
    });

    test('testCreateUserWithRegistration: an anonymous VALIDATION merge never creates an account — a uuid of no account → 403', async () => {
      const { token } = await validationFixture();
      const before = await ctx().lanyard.db.selectFrom('account').select('id').execute();
      assertRefused(await merge(await client(), '00000000-0000-4000-8000-000000000000', token), 401, 'FORBIDDEN');
      assert.equal((await ctx().lanyard.db.selectFrom('account').select('id').execute()).length, before.length);
    });

    test('testInvalidMergeWithoutValidToken: REGISTER, FORGOT, CHANGE_PASSWORD and INVITATION tokens → 401 TOKEN_WRONG_TYPE', async () => {
      const owner = await createPasswordAccount(ctx(), unique('owner'));
      const c = await client();
      for (const type of ['REGISTER', 'FORGOT', 'CHANGE_PASSWORD', 'INVITATION'] as const) {
        const { token } = await createRegistration(
          ctx().lanyard.db,
          { type, email: owner.email, accountId: owner.id },
          3600,
          ctx().clock.now(),
        );
        assertRefused(await unchanged(() => merge(c, owner.id, token)), 401, 'TOKEN_WRONG_TYPE');
      }
    });

    test('GET /epersons/{uuid}: one’s own account → 200; another → 403; anonymous → 401', async () => {
      const me = await createPasswordAccount(ctx(), unique('me'));
      const other = await createPasswordAccount(ctx(), unique('other'));
      const c = await client();
      assertRefused(await c.get(`/api/eperson/epersons/${me.id}`), 401, 'AUTH_REQUIRED');
      await c.login(me.email);
      assert.equal((await c.get(`/api/eperson/epersons/${me.id.toUpperCase()}`)).json<EPerson>().id, me.id);
      assertRefused(await c.get(`/api/eperson/epersons/${other.id}`), 403, 'FORBIDDEN');
    });
  },
  withOrcid,
);
