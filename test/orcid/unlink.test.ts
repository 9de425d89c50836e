import assert from 'node:assert/strict';
import { test } from 'node:test';
import { open } from '../../src/crypto/seal.js';
import {
  addOrcidUser,
  createAccountWithOrcid,
  createPasswordAccount,
  signInWithOrcid,
  signInWithPassword,
} from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';

forEachBackend(
  'unlinking a way to sign in',
  (ctx) => {
    const identitiesOf = (accountId: string) =>
      ctx().lanyard.db.selectFrom('identity').selectAll().where('account_id', '=', accountId).execute();

    test('unlinking ORCID needs a fresh sign-in, revokes the ORCID token, and is audited', async () => {
      const app = ctx();
      const account = await createPasswordAccount(app, 'unlinker@uni.example');
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'unlinker@uni.example', visibility: 'public', verified: true }],
      });
      const browser = app.browser();
      await signInWithOrcid(browser, orcid); // case 3: linked and signed in
      const orcidIdentity = (await identitiesOf(account.id)).find((i) => i.provider === 'orcid')!;
      assert.ok(orcidIdentity);

      app.clock.advance(app.config.reauthSeconds * 1000 + 1000);
      await browser.get('/profile');
      // A stale sign-in is asked to sign in again, and comes back to the removal it started.
      const removePage = `/profile/identities/${orcidIdentity.id}/remove`;
      const stale = await browser.post(`/profile/identities/${orcidIdentity.id}/unlink`, {});
      assert.equal(stale.status, 303);
      assert.equal(stale.location, `/login?reauth=1&returnTo=${encodeURIComponent(removePage)}`);
      assert.equal((await identitiesOf(account.id)).length, 2);
      assert.equal((await browser.get(removePage)).location, stale.location, 'the confirmation asks too');
      const prompt = await browser.get(stale.location!);
      assert.match(prompt.body, /sign in again/);
      assert.match(prompt.body, new RegExp(`name="returnTo" value="${removePage.replace(/\//g, '\\/')}"`));

      const again = await signInWithPassword(browser, 'unlinker@uni.example', undefined, removePage);
      assert.equal(again.location, removePage);
      const confirm = await browser.get(removePage);
      assert.equal(confirm.status, 200);
      assert.match(confirm.body, new RegExp(`action="/profile/identities/${orcidIdentity.id}/unlink"`));
      assert.equal((await identitiesOf(account.id)).length, 2, 'showing the confirmation removes nothing');
      // Another browser signed in with that ORCID iD, holding a REST API Bearer token of its session.
      const elsewhere = app.browser();
      await signInWithOrcid(elsewhere, orcid);
      const json = { accept: 'application/json' };
      const xsrf = (await elsewhere.get('/api/authn/status', json)).headers['dspace-xsrf-token'] as string;
      const login = await elsewhere.request('POST', '/api/authn/login', '{}', {
        ...json,
        'content-type': 'application/json',
        'x-xsrf-token': xsrf,
      });
      const bearer = login.headers.authorization as string;
      assert.match(bearer, /^Bearer /);

      const sealed = (
        await app.lanyard.db
          .selectFrom('provider_token')
          .selectAll()
          .where('identity_id', '=', orcidIdentity.id)
          .executeTakeFirstOrThrow()
      ).access_token;
      assert.match(sealed, /^v1\./, 'stored sealed');
      const plain = open(app.config.secretKeys, sealed);
      assert.ok(
        app.orcid!.state.tokens.byAccessToken(plain, app.orcid!.state.now()),
        'the sealed value opens to a token ORCID issued',
      );
      await browser.get('/profile');
      const done = await browser.post(`/profile/identities/${orcidIdentity.id}/unlink`, {});
      assert.equal(done.status, 303);
      const statusWith = async (b: typeof browser, headers: Record<string, string> = {}) =>
        (await b.get('/api/authn/status', { ...json, ...headers })).json().authenticated;
      assert.equal(await statusWith(elsewhere), false, 'the other session ended with the identity');
      assert.equal(await statusWith(app.browser(), { authorization: bearer }), false, 'and its Bearer token');
      assert.equal(await statusWith(browser), true, 'the session that asked stays signed in');
      assert.deepEqual(
        (await identitiesOf(account.id)).map((i) => i.provider),
        ['password'],
      );
      const audit = await app.lanyard.db
        .selectFrom('audit_event')
        .selectAll()
        .where('action', '=', 'unlink')
        .where('account_id', '=', account.id)
        .executeTakeFirstOrThrow();
      assert.equal(audit.detail.tokenRevoked, true);
      assert.equal(
        app.orcid!.state.tokens.byAccessToken(plain, app.orcid!.state.now()),
        null,
        'ORCID no longer honours the token',
      );
    });

    test('the last way to sign in cannot be removed', async () => {
      const app = ctx();
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'only-orcid@uni.example', visibility: 'public', verified: true }],
      });
      const browser = app.browser();
      await createAccountWithOrcid(browser, orcid);
      const account = await app.lanyard.db
        .selectFrom('account')
        .selectAll()
        .where('email', '=', 'only-orcid@uni.example')
        .executeTakeFirstOrThrow();
      const [identity] = await identitiesOf(account.id);
      await browser.get('/profile');
      const refused = await browser.post(`/profile/identities/${identity!.id}/unlink`, {});
      assert.equal(refused.status, 409);
      assert.match(refused.body, /data-error-code="LAST_SIGN_IN_METHOD"/);
      assert.equal((await identitiesOf(account.id)).length, 1);
    });

    test('another account’s identity cannot be unlinked', async () => {
      const app = ctx();
      const victim = await createPasswordAccount(app, 'victim-unlink@uni.example');
      const orcid = addOrcidUser(app, {
        emails: [{ email: 'victim-unlink@uni.example', visibility: 'public', verified: true }],
      });
      await signInWithOrcid(app.browser(), orcid);
      const victimOrcid = (await identitiesOf(victim.id)).find((i) => i.provider === 'orcid')!;
      await createPasswordAccount(app, 'attacker-unlink@uni.example');
      const attacker = app.browser();
      await signInWithPassword(attacker, 'attacker-unlink@uni.example');
      await attacker.get('/profile');
      const refused = await attacker.post(`/profile/identities/${victimOrcid.id}/unlink`, {});
      assert.equal(refused.status, 404);
      assert.equal((await attacker.get(`/profile/identities/${victimOrcid.id}/remove`)).status, 404);
      assert.equal((await identitiesOf(victim.id)).length, 2);
    });
  },
  withOrcid,
);
