import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cookieNames } from '../../src/http/cookies.js';
import { countRows } from '../support/db-snapshot.js';
import { addOrcidUser, createPasswordAccount } from '../support/orcid.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { PUBLIC_URL, withOrcid } from '../support/test-app.js';
import { ApiClient, orcidRegistration } from './support/api-client.js';

let n = 0;
const unique = (name: string) => `${name}-${++n}-${Date.now().toString(36)}@login.example`;

/**
 * DSpace's OrcidLoginFilterIT (docs/design.md) through the API: start at
 * /api/authn/orcid/start, sign in at the ORCID emulator, land on the shared callback /api/authn/orcid.
 */
forEachBackend(
  'OrcidLoginFilterIT',
  (ctx) => {
    const client = () => ApiClient.for(ctx());
    const sessionOf = (c: ApiClient) => c.browser.cookie(cookieNames(ctx().config).session);
    const disable = (id: string) =>
      ctx().lanyard.db.updateTable('account').set({ status: 'disabled' }).where('id', '=', id).execute();

    test('testEPersonCreationViaOrcidLogin: a public email no account uses → external-login/{token}; findByToken shows the ORCID data', async () => {
      const c = await client();
      const email = unique('public');
      const { registration, orcid } = await orcidRegistration(c, {
        givenNames: 'Test',
        familyName: 'User',
        emails: [{ email, visibility: 'public', verified: true }],
      });
      assert.deepEqual(
        [registration.netId, registration.registrationType, registration.email, registration.user],
        [orcid, 'ORCID', email, null],
      );
      const md = registration.registrationMetadata;
      assert.deepEqual(
        [md['eperson.orcid']?.[0]?.value, md['eperson.firstname']?.[0]?.value, md['eperson.lastname']?.[0]?.value],
        [orcid, 'Test', 'User'],
      );
      assert.equal(sessionOf(c), undefined, 'no session: the person decides on the external-login page');
    });

    test('testRedirectiViaOrcidLoginWithoutEmail: a private email → external-login/{token}, registration without email', async () => {
      const c = await client();
      const { registration } = await orcidRegistration(c, {
        emails: [{ email: unique('private'), visibility: 'private', verified: true }],
      });
      assert.equal(registration.email, null);
    });

    test('testWithoutAuthorizationCode: a callback without code → 401 OAUTH_CALLBACK_EMPTY, ORCID never asked', async () => {
      const c = await client();
      // Were the token endpoint consulted, this fault would turn the answer into PROVIDER_UNAVAILABLE.
      ctx().orcid!.state.setFaults({ token: { status: 500 } });
      try {
        assertRefused(await c.get('/api/authn/orcid'), 401, 'OAUTH_CALLBACK_EMPTY');
        assertRefused(await c.get('/api/authn/orcid?state=x'), 401, 'OAUTH_CALLBACK_EMPTY');
      } finally {
        ctx().orcid!.state.setFaults({ token: null });
      }
      assert.equal(sessionOf(c), undefined);
    });

    test('testEPersonLoggedInByNetId: a linked iD signs in: session cookie and 303 to the redirectUrl', async () => {
      const c = await client();
      const email = unique('netid');
      const { token, orcid } = await orcidRegistration(c, {
        emails: [{ email, visibility: 'public', verified: true }],
      });
      assert.equal((await c.post(`/api/eperson/epersons?token=${token}`, { json: {} })).status, 201);
      const again = await ApiClient.for(ctx());
      const back = await again.orcidSignIn(orcid, '/api/authn/status');
      assert.deepEqual([back.status, back.location], [303, '/api/authn/status']);
      assert.ok(sessionOf(again));
      const status = (await again.status()).json();
      assert.deepEqual(
        [status.authenticated, status._embedded.eperson.email, status._embedded.eperson.netid],
        [true, email, orcid],
      );
    });

    test('testEPersonCannotLogInByNetId: the linked account is disabled → 403 ACCOUNT_DISABLED, no session', async () => {
      const c = await client();
      const { token, orcid } = await orcidRegistration(c, {
        emails: [{ email: unique('disabled-netid'), visibility: 'public', verified: true }],
      });
      const created = await c.post(`/api/eperson/epersons?token=${token}`, { json: {} });
      await disable(created.json().id);
      const again = await ApiClient.for(ctx());
      assertRefused(await again.orcidSignIn(orcid), 403, 'ACCOUNT_DISABLED');
      assert.equal(sessionOf(again), undefined);
    });

    test('testEPersonLoggedInByEmail: a verified public email of a verified account links and signs in', async () => {
      const account = await createPasswordAccount(ctx(), unique('by-email'));
      const orcid = addOrcidUser(ctx(), { emails: [{ email: account.email, visibility: 'public', verified: true }] });
      const c = await client();
      const back = await c.orcidSignIn(orcid, '/api/authn/status');
      assert.equal(back.location, '/api/authn/status');
      assert.equal((await c.status()).json()._embedded.eperson.id, account.id);
    });

    test('testEPersonCannotLogInByEmail: that account is disabled → 403 ACCOUNT_DISABLED, nothing linked', async () => {
      const account = await createPasswordAccount(ctx(), unique('by-email-disabled'));
      await disable(account.id);
      const orcid = addOrcidUser(ctx(), { emails: [{ email: account.email, visibility: 'public', verified: true }] });
      const c = await client();
      assertRefused(await c.orcidSignIn(orcid), 403, 'ACCOUNT_DISABLED');
      assert.equal(await countRows(ctx().lanyard.db, 'identity', ['subject', orcid]), 0);
    });

    test('testNoAuthenticationIfAnErrorOccursRetrivingOrcidToken → 503 PROVIDER_UNAVAILABLE, no session, no registration', async () => {
      const orcid = addOrcidUser(ctx(), { emails: [] });
      const c = await client();
      ctx().orcid!.state.setFaults({ token: { status: 500, times: 1 } });
      assertRefused(await c.orcidSignIn(orcid), 503, 'PROVIDER_UNAVAILABLE');
      assert.equal(sessionOf(c), undefined);
      assert.equal(await countRows(ctx().lanyard.db, 'registration', ['subject', orcid]), 0);
    });

    test('testNoAuthenticationIfAnErrorOccursRetrivingOrcidPerson → 503 PROVIDER_UNAVAILABLE for a new iD, nothing stored', async () => {
      const orcid = addOrcidUser(ctx(), { emails: [] });
      const c = await client();
      ctx().orcid!.state.setFaults({ api: { status: 500, times: 1 } });
      assertRefused(await c.orcidSignIn(orcid), 503, 'PROVIDER_UNAVAILABLE');
      assert.equal(sessionOf(c), undefined);
      assert.equal(await countRows(ctx().lanyard.db, 'registration', ['subject', orcid]), 0);
    });

    test('a 503 and a 502 say what happened in their title (the service is unavailable, an upstream failed), codes unchanged', async () => {
      const titleOf = (page: { json: <T>() => T }) => page.json<{ title: string }>().title;
      const c = await client();
      ctx().orcid!.state.setFaults({ token: { status: 500, times: 1 } });
      const unavailable = await c.orcidSignIn(addOrcidUser(ctx(), { emails: [] }));
      assertRefused(unavailable, 503, 'PROVIDER_UNAVAILABLE');
      assert.equal(
        titleOf(unavailable),
        'Service unavailable: a service Lanyard relies on did not answer; try again later.',
      );
      ctx().orcid!.state.setFaults({ token: { malformedJson: true, times: 1 } });
      const failed = await c.orcidSignIn(addOrcidUser(ctx(), { emails: [] }));
      assertRefused(failed, 502, 'PROVIDER_ERROR');
      assert.equal(titleOf(failed), 'Bad gateway: a service Lanyard relies on gave an answer it could not use.');
      // Neither names the upstream's own words nor details: only the code says which one.
      for (const page of [unavailable, failed]) assert.equal(page.json<{ details?: unknown }>().details, undefined);
    });

    test('testLoggedInEPersonWithProfile: the account gets the iD and scopes, and the ORCID token is kept (sealed)', async () => {
      const c = await client();
      const { token, orcid } = await orcidRegistration(c, {
        emails: [{ email: unique('profile'), visibility: 'public', verified: true }],
      });
      const eperson = (await c.post(`/api/eperson/epersons?token=${token}`, { json: {} })).json();
      assert.equal(eperson.metadata['eperson.orcid'][0].value, orcid);
      assert.ok(eperson.metadata['eperson.orcid.scope'].length >= 1);
      const stored = await ctx()
        .lanyard.db.selectFrom('provider_token')
        .innerJoin('identity', 'identity.id', 'provider_token.identity_id')
        .select(['provider_token.access_token', 'provider_token.scopes'])
        .where('identity.subject', '=', orcid)
        .executeTakeFirstOrThrow();
      assert.equal(
        stored.scopes.split(' ').sort().join(' '),
        eperson.metadata['eperson.orcid.scope']
          .map((v: { value: string }) => v.value)
          .sort()
          .join(' '),
      );
      assert.doesNotMatch(stored.access_token, /^[0-9a-f-]{36}$/, 'the token is sealed at rest');
    });

    test('testRedirectToGivenTrustedUrl: an own-origin redirectUrl is where the sign-in lands', async () => {
      const c = await client();
      const account = await createPasswordAccount(ctx(), unique('trusted'));
      const orcid = addOrcidUser(ctx(), { emails: [{ email: account.email, visibility: 'public', verified: true }] });
      const back = await c.orcidSignIn(orcid, `${PUBLIC_URL}/profile?from=api`);
      assert.equal(back.location, `${PUBLIC_URL}/profile?from=api`);
    });

    test('testRedirectToGivenUntrustedUrl → 400 REDIRECT_NOT_ALLOWED, no flow started', async () => {
      const c = await client();
      for (const url of ['https://evil.example/steal', '//evil.example', '/\\evil.example']) {
        assertRefused(
          await c.get(`/api/authn/orcid/start?redirectUrl=${encodeURIComponent(url)}`),
          400,
          'REDIRECT_NOT_ALLOWED',
        );
      }
      assert.equal(c.browser.cookie(cookieNames(ctx().config).oauth), undefined);
    });
  },
  withOrcid,
);

forEachBackend(
  'OrcidLoginFilterIT with self-registration off',
  (ctx) => {
    test('testWithoutSelfRegistrationEnabled: no session and no account; the registration stays for linking (docs/design.md, case 7)', async () => {
      const c = await ApiClient.for(ctx());
      const { token, registration } = await orcidRegistration(c, {
        emails: [{ email: unique('self-off'), visibility: 'public', verified: true }],
      });
      assert.equal(c.browser.cookie(cookieNames(ctx().config).session), undefined);
      assertRefused(
        await c.post(`/api/eperson/epersons?token=${token}`, { json: {} }),
        400,
        'SELF_REGISTRATION_DISABLED',
      );
      assert.equal(registration.registrationType, 'ORCID');
    });
  },
  { ...withOrcid, LANYARD_SELF_REGISTRATION: 'false' },
);

forEachBackend('OrcidLoginFilterIT with ORCID off', (ctx) => {
  test('testNoRedirectIfOrcidDisabled: callback and start → 401 PROVIDER_NOT_CONFIGURED, no redirect; status lists only the password', async () => {
    const c = await ApiClient.for(ctx());
    assertRefused(await c.get('/api/authn/orcid?code=abc&state=def'), 401, 'PROVIDER_NOT_CONFIGURED');
    assertRefused(await c.get('/api/authn/orcid/start'), 401, 'PROVIDER_NOT_CONFIGURED');
    assert.doesNotMatch(String((await c.status()).headers['www-authenticate']), /orcid/);
  });
});
