import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countRows, expectNoChange } from '../support/db-snapshot.js';
import { createPasswordAccount } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';
import { ApiClient, mailedToken, orcidRegistration, type Registration } from './support/api-client.js';

/**
 * DSpace's RegistrationRestRepositoryIT (docs/design.md), one test per scenario and named
 * after it, run against Lanyard's /api/eperson/registrations. Where Lanyard answers differently on
 * purpose, the test says so and docs/api.md ("Differences from DSpace") gives the reason.
 */
forEachBackend(
  'RegistrationRestRepositoryIT',
  (ctx) => {
    const client = () => ApiClient.for(ctx());
    const register = async (email: string, type = 'register') =>
      (await client()).post(`/api/eperson/registrations?accountRequestType=${type}`, { json: { email } });
    const registrations = (email: string) =>
      ctx().lanyard.db.selectFrom('registration').selectAll().where('email', '=', email).execute();
    const unchanged = <T>(action: () => Promise<T>) => expectNoChange(ctx().lanyard.db, action);

    test('findByTokenTestExistingUserTest: `user` is the account that owns the registration email', async () => {
      const account = await createPasswordAccount(ctx(), 'existing-user@reg.example');
      assert.equal((await register(account.email)).status, 201);
      // An address with an account gets a reset link, never a second REGISTER (no enumeration either way).
      const token = await mailedToken(ctx(), account.email, '/forgot/');
      const found = await (await client()).findByToken(token);
      assert.equal(found.status, 200);
      const reg = found.json<Registration>();
      assert.equal(reg.user, account.id);
      assert.equal(reg.email, account.email);
      assert.equal(reg.registrationType, 'FORGOT');
    });

    test('findByTokenTestNewUserTest: a new address → REGISTER registration with `user` null', async () => {
      assert.equal((await register('newuser@testnewuser.example')).status, 201);
      const token = await mailedToken(ctx(), 'newuser@testnewuser.example', '/register/');
      const reg = (await (await client()).findByToken(token)).json<Registration>();
      assert.deepEqual(
        { email: reg.email, user: reg.user, type: reg.registrationType, netId: reg.netId },
        { email: 'newuser@testnewuser.example', user: null, type: 'REGISTER', netId: null },
      );
    });

    test('findByTokenNotExistingTokenTest: an unknown token → 404 REGISTRATION_NOT_FOUND', async () => {
      assertRefused(await (await client()).findByToken('ThisTokenDoesNotExist'), 404, 'REGISTRATION_NOT_FOUND');
      // DSpace's limit is 48 characters; Lanyard reads up to 64 and simply finds nothing.
      assertRefused(await (await client()).findByToken('x'.repeat(49)), 404, 'REGISTRATION_NOT_FOUND');
    });

    test('findByTokenWithoutToken / EmptyToken / BlankToken / TooLongToken → 400 VALIDATION_FAILED', async () => {
      const c = await client();
      assertRefused(await c.get('/api/eperson/registrations/search/findByToken'), 400, 'VALIDATION_FAILED');
      assertRefused(await c.findByToken(''), 400, 'VALIDATION_FAILED');
      assertRefused(await c.findByToken('   '), 400, 'VALIDATION_FAILED');
      assertRefused(await c.findByToken('x'.repeat(65)), 400, 'VALIDATION_FAILED');
    });

    test('registrationFlowTest / testRegisterMailAddressRegistered: 201 for a known and an unknown address alike', async () => {
      const account = await createPasswordAccount(ctx(), 'flow-known@reg.example');
      const known = await register(account.email);
      const unknown = await register('flow-new@reg.example');
      assert.deepEqual([known.status, known.body], [201, '']);
      assert.deepEqual([unknown.status, unknown.body], [201, '']);
      assert.equal((await registrations('flow-new@reg.example'))[0]?.type, 'REGISTER');
    });

    test('registrationWithExistingEmailTest: an address with an account never gets a REGISTER registration (no duplicate account)', async () => {
      const account = await createPasswordAccount(ctx(), 'dup@reg.example');
      await register(account.email);
      await register(account.email);
      const rows = await registrations(account.email);
      // Lanyard keeps one row per mailed link (each its own token and expiry); none can create an account.
      assert.ok(rows.length > 0 && rows.every((r) => r.type === 'FORGOT' && r.account_id === account.id));
    });

    test('accountEndpoint_WithoutAccountTypeParam / WrongAccountTypeParam → 400 VALIDATION_FAILED, nothing stored', async () => {
      const c = await client();
      assertRefused(
        await unchanged(() => c.post('/api/eperson/registrations', { json: { email: 'no-type@reg.example' } })),
        400,
        'VALIDATION_FAILED',
      );
      assertRefused(
        await unchanged(() =>
          c.post('/api/eperson/registrations?accountRequestType=nonValidValue', {
            json: { email: 'no-type@reg.example' },
          }),
        ),
        400,
        'VALIDATION_FAILED',
      );
    });

    test('POST validation (DSpace HEAD): invalid or empty email → 422, null email or netId over 64 → 400; netId of 64 → 201 and never stored', async () => {
      const c = await client();
      const post = (body: unknown) =>
        unchanged(() => c.post('/api/eperson/registrations?accountRequestType=register', { json: body }));
      assertRefused(await post({ email: 'invalidemail!!!!' }), 422, 'INVALID_EMAIL');
      assertRefused(await post({ email: '' }), 422, 'INVALID_EMAIL');
      assertRefused(await post({ email: null }), 400, 'VALIDATION_FAILED');
      assertRefused(await post({ email: 'netid@reg.example', netId: 'x'.repeat(65) }), 400, 'VALIDATION_FAILED');
      const ok = await c.post('/api/eperson/registrations?accountRequestType=register', {
        json: { email: 'netid@reg.example', netId: 'x'.repeat(64) },
      });
      assert.equal(ok.status, 201);
      const [row] = await registrations('netid@reg.example');
      assert.equal(
        row?.subject,
        null,
        'a netId from the request never becomes an identity claim (reference §6.2 item 6)',
      );
    });

    test('givenRegistrationData_whenPatchInvalidValue_thenUnprocessableEntityResponse: null → 400; add on an existing email → 422; invalid email → 422', async () => {
      const c = await client();
      const { token, registration } = await orcidRegistration(c, {
        emails: [{ email: 'has-one@orcid.example', visibility: 'public', verified: true }],
      });
      assert.equal(registration.email, 'has-one@orcid.example');
      assertRefused(
        await unchanged(() => c.patchEmail(registration.id, token, 'replace', null)),
        400,
        'VALIDATION_FAILED',
      );
      assertRefused(
        await unchanged(() => c.patchEmail(registration.id, token, 'add', 'test@email.example')),
        422,
        'REGISTRATION_EMAIL_STATE',
      );
      assertRefused(
        await unchanged(() => c.patchEmail(registration.id, token, 'replace', 'invalidemail!!!!')),
        422,
        'INVALID_EMAIL',
      );
      assertRefused(
        await unchanged(() => c.patchEmail(registration.id, token, 'replace', '   ')),
        422,
        'INVALID_EMAIL',
      );
      const none = await orcidRegistration(c);
      assertRefused(
        await unchanged(() => c.patchEmail(none.registration.id, none.token, 'replace', 'test@email.example')),
        422,
        'REGISTRATION_EMAIL_STATE',
      );
    });

    test('givenRegistrationData_whenPatchWithInvalidToken_thenUnprocessableEntityResponse: none/empty → 400; unknown → 401; 65 chars → 400; expired → 401', async () => {
      const c = await client();
      const { token, registration } = await orcidRegistration(c);
      const patch = (query: string) =>
        unchanged(() =>
          c.request('PATCH', `/api/eperson/registrations/${registration.id}${query}`, {
            body: JSON.stringify([{ op: 'add', path: '/email', value: 'validemail@email.example' }]),
            headers: { 'content-type': 'application/json-patch+json' },
          }),
        );
      assertRefused(await patch(''), 400, 'VALIDATION_FAILED');
      assertRefused(await patch('?token='), 400, 'VALIDATION_FAILED');
      assertRefused(await patch('?token=notexistingtoken'), 401, 'TOKEN_INVALID');
      assertRefused(await patch(`?token=${'x'.repeat(65)}`), 400, 'VALIDATION_FAILED');
      ctx().clock.advance(3600_000 + 1000);
      assertRefused(await patch(`?token=${token}`), 401, 'TOKEN_EXPIRED');
    });

    test('givenRegistrationDataWithEmail_whenPatchForReplaceEmail_thenSuccessfullResponse → 204', async () => {
      const c = await client();
      const { token, registration } = await orcidRegistration(c, {
        emails: [{ email: 'replace-me@orcid.example', visibility: 'public', verified: true }],
      });
      const res = await c.patchEmail(registration.id, token, 'replace', ['vins-01@fake.example']);
      assert.deepEqual([res.status, res.body], [204, '']);
    });

    test('givenRegistrationDataWithoutEmail_whenPatchForAddEmail_thenSuccessfullResponse → 204 (value as a plain string too)', async () => {
      const c = await client();
      const { token, registration } = await orcidRegistration(c);
      assert.equal((await c.patchEmail(registration.id, token, 'add', 'vins-02@fake.example')).status, 204);
    });

    for (const [name, start, op] of [
      [
        'givenRegistrationDataWithEmail_whenPatchForReplaceEmail_thenNewRegistrationDataCreated',
        'renew-with@orcid.example',
        'replace',
      ],
      ['givenRegistrationDataWithoutEmail_whenPatchForReplaceEmail_thenNewRegistrationDataCreated', null, 'add'],
    ] as const) {
      test(`${name}: a new registration with the new email and token; the old one is dead`, async () => {
        const c = await client();
        const emails = start ? [{ email: start, visibility: 'public' as const, verified: true }] : [];
        const { token, registration, orcid } = await orcidRegistration(c, { emails });
        const newMail = `renewed-${op}@fake.example`;
        assert.equal((await c.patchEmail(registration.id, token, op, newMail)).status, 204);
        const fresh = await mailedToken(ctx(), newMail, '/external-login/');
        assert.notEqual(fresh, token);
        const renewed = (await c.findByToken(fresh)).json<Registration>();
        assert.equal(renewed.email, newMail);
        assert.notEqual(renewed.id, registration.id);
        assert.equal(renewed.netId, orcid, 'the ORCID iD and names travel to the new registration');
        assertRefused(await c.findByToken(token), 401, 'TOKEN_CONSUMED');
      });
    }

    test('givenRegistrationDataWithoutEmail_whenPatchForAddEmail_thenExternalLoginSent', async () => {
      const c = await client();
      const { token, registration } = await orcidRegistration(c);
      await c.patchEmail(registration.id, token, 'add', ['external-sent@fake.example']);
      const mail = await ctx().mail.waitFor('external-sent@fake.example');
      assert.match(mail.text, /\/external-login\/[A-Za-z0-9_-]{43}/);
    });

    test('givenRegistrationDataWithEmail_whenPatchForNewEmail_thenExternalLoginSent: and a second PATCH on the renewed token works', async () => {
      const c = await client();
      const { token, registration } = await orcidRegistration(c);
      await c.patchEmail(registration.id, token, 'add', 'first-new@fake.example');
      const second = await mailedToken(ctx(), 'first-new@fake.example', '/external-login/');
      const renewed = (await c.findByToken(second)).json<Registration>();
      assert.equal((await c.patchEmail(renewed.id, second, 'replace', ['second-new@fake.example'])).status, 204);
      await mailedToken(ctx(), 'second-new@fake.example', '/external-login/');
    });

    for (const [name, op, start] of [
      [
        'givenRegistrationDataWithEmail_whenPatchForExistingEPersonEmail_thenReviewAccountLinkSent',
        'replace',
        'some@orcid.example',
      ],
      ['givenRegistrationDataWithoutEmail_whenPatchForExistingAccount_thenReviewAccountSent', 'add', null],
    ] as const) {
      test(`${name}: review-account link to the account's address; VALIDATION_ORCID with user and overrides`, async () => {
        const c = await client();
        const vins = await createPasswordAccount(ctx(), `vins-${op}@fake.example`, {
          givenName: 'Vincenzo',
          familyName: 'Mecca',
        });
        const emails = start ? [{ email: `${op}-${start}`, visibility: 'public' as const, verified: true }] : [];
        const { token, registration } = await orcidRegistration(c, {
          givenNames: 'Vins',
          familyName: '4Science',
          emails,
        });
        assert.equal((await c.patchEmail(registration.id, token, op, vins.email.toUpperCase())).status, 204);
        const validation = await mailedToken(ctx(), vins.email, '/review-account/');
        const reg = (await c.findByToken(validation)).json<Registration>();
        assert.equal(reg.registrationType, 'VALIDATION_ORCID');
        assert.equal(reg.user, vins.id);
        assert.deepEqual(reg.registrationMetadata['eperson.firstname']?.[0], {
          value: 'Vins',
          language: null,
          authority: null,
          confidence: -1,
          place: 0,
          overrides: 'Vincenzo',
        });
        assert.equal(reg.registrationMetadata.email?.[0]?.overrides, vins.email);
      });
    }

    test('RegistrationDataMetadataServiceImplIT: metadata made from the ORCID values (one value per scope), kept through PATCH, gone with the used registration', async () => {
      const c = await client();
      const { token, registration, orcid } = await orcidRegistration(c, { givenNames: 'Ada', familyName: 'Lovelace' });
      const md = registration.registrationMetadata;
      assert.deepEqual(Object.keys(md).sort(), [
        'eperson.firstname',
        'eperson.lastname',
        'eperson.orcid',
        'eperson.orcid.scope',
      ]);
      assert.equal(md['eperson.orcid']?.[0]?.value, orcid);
      const stored = await ctx()
        .lanyard.db.selectFrom('registration')
        .select('profile')
        .where('id', '=', registration.id)
        .executeTakeFirstOrThrow();
      assert.ok(stored.profile.scopes!.length >= 1);
      assert.deepEqual(
        md['eperson.orcid.scope']?.map((v) => [v.value, v.place]),
        stored.profile.scopes!.map((s, place) => [s, place]),
      );
      assert.equal(md['eperson.firstname']?.[0]?.overrides, undefined, 'no overrides without a matching account');
      await c.patchEmail(registration.id, token, 'add', 'metadata@fake.example');
      const renewedToken = await mailedToken(ctx(), 'metadata@fake.example', '/external-login/');
      const renewed = (await c.findByToken(renewedToken)).json<Registration>();
      assert.deepEqual(renewed.registrationMetadata['eperson.firstname'], md['eperson.firstname']);
      assert.equal((await c.post(`/api/eperson/epersons?token=${renewedToken}`, { json: {} })).status, 201);
      assertRefused(await c.findByToken(renewedToken), 401, 'TOKEN_CONSUMED');
    });

    test('GET /registrations and /registrations/{id} → 405 (DSpace: RepositoryMethodNotImplementedException)', async () => {
      const c = await client();
      assertRefused(await c.get('/api/eperson/registrations'), 405, 'METHOD_NOT_ALLOWED');
      assertRefused(
        await c.get('/api/eperson/registrations/6f1c2d6e-0000-4000-8000-000000000000'),
        405,
        'METHOD_NOT_ALLOWED',
      );
    });
  },
  withOrcid,
);

forEachBackend(
  'RegistrationRestRepositoryIT with self-registration off',
  (ctx) => {
    test('registrationFlowTest (user.registration=false): register → 401 SELF_REGISTRATION_DISABLED, nothing stored', async () => {
      const c = await ApiClient.for(ctx());
      const res = await expectNoChange(ctx().lanyard.db, () =>
        c.post('/api/eperson/registrations?accountRequestType=register', { json: { email: 'off@reg.example' } }),
      );
      assertRefused(res, 401, 'SELF_REGISTRATION_DISABLED');
    });

    test('forgotPasswordTest: forgot still works with registration off → 201 and a FORGOT registration', async () => {
      const account = await createPasswordAccount(ctx(), 'forgot-off@reg.example');
      const c = await ApiClient.for(ctx());
      assert.equal(
        (await c.post('/api/eperson/registrations?accountRequestType=forgot', { json: { email: account.email } }))
          .status,
        201,
      );
      assert.equal(await countRows(ctx().lanyard.db, 'registration', ['email', account.email]), 1);
      await mailedToken(ctx(), account.email, '/forgot/');
    });
  },
  { ...withOrcid, LANYARD_SELF_REGISTRATION: 'false' },
);
