import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { mailedLink, PASSWORD, seedAccount, signedInBrowser, uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { registerRelyingParty, type RelyingParty } from '../support/op-client.js';
import { signInWithPassword } from '../support/op-sign-in.js';
import { browserOn } from '../support/pages.js';
import { insertIdentity } from '../../src/stores/identities.js';
import type { TestApp } from '../support/test-app.js';

const NEW_PASSWORD = 'a brand new secret';

/**
 * Someone who learned a person's password signs in with it at a repository that holds its tokens
 * in the browser (a public client: a single-page app, a desktop tool) and keeps its refresh token.
 * The owner notices and resets, changes or removes the password: every Lanyard session ends, and so must
 * what those sessions obtained at the OpenID provider — else the refresh token goes on minting
 * access tokens (the account's verified email, names, ORCID iD) for as long as it is used.
 */
for (const backend of backends()) {
  describe(`a password reset, change or removal ends what the old password obtained at the OpenID provider [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    let rp: RelyingParty;
    before(async () => {
      if (reason) return;
      app = await createListeningTestApp(backend);
      rp = await registerRelyingParty(app, { name: 'Desktop tool', auth: 'none' });
    });
    after(async () => app?.close());

    /** The thief's sign-in at the public client with the stolen password: its tokens. */
    const stolenTokens = async (email: string) => {
      const { tokens } = await signInWithPassword(rp.config, email, rp.redirect, {
        browser: new Browser(null, 'http://thief.invalid'),
      });
      assert.ok(tokens.refresh_token, 'the public client holds a refresh token');
      // It works before the owner acts.
      const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, oidc.skipSubjectCheck);
      assert.equal(info.email, email);
      return tokens;
    };

    const assertDead = async (tokens: oidc.TokenEndpointResponse) => {
      await assert.rejects(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!), { error: 'invalid_grant' });
      await assert.rejects(oidc.fetchUserInfo(rp.config, tokens.access_token, oidc.skipSubjectCheck));
    };

    test(
      'a reset through the mailed link: the refresh token is refused, the access token reads nothing',
      { skip: reason || false },
      async () => {
        const account = await seedAccount(app.lanyard, uniqueEmail('reset'));
        const tokens = await stolenTokens(account.email);
        const link = await mailedLink(app, '/forgot', account.email);
        const owner = await browserOn(app, link);
        const done = await owner.post(link, { password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
        assert.equal(done.status, 303, done.body.slice(0, 300));
        await assertDead(tokens);
      },
    );

    test('a change on /profile: the same', { skip: reason || false }, async () => {
      const account = await seedAccount(app.lanyard, uniqueEmail('change'));
      const tokens = await stolenTokens(account.email);
      const owner = await signedInBrowser(app, account.email);
      await owner.get('/profile');
      const changed = await owner.post('/profile/password', { current: PASSWORD, password: NEW_PASSWORD });
      assert.equal(changed.status, 200, changed.body.slice(0, 300));
      await assertDead(tokens);
    });

    test(
      'removing the password on /profile (the account keeps its ORCID iD): the same',
      { skip: reason || false },
      async () => {
        const account = await seedAccount(app.lanyard, uniqueEmail('remove'));
        await insertIdentity(
          app.lanyard.db,
          account.id,
          {
            provider: 'orcid',
            subject: '0000-0002-1825-0097',
            issuer: null,
            email: null,
            emailVerified: false,
            profile: {},
          },
          app.clock.now(),
        );
        const tokens = await stolenTokens(account.email);
        const owner = await signedInBrowser(app, account.email);
        const password = await app.lanyard.db
          .selectFrom('identity')
          .select('id')
          .where('account_id', '=', account.id)
          .where('provider', '=', 'password')
          .executeTakeFirstOrThrow();
        await owner.get(`/profile/identities/${password.id}/remove`);
        const removed = await owner.post(`/profile/identities/${password.id}/unlink`, {});
        assert.equal(removed.status, 303, removed.body.slice(0, 300));
        assert.equal(
          (await app.lanyard.db.selectFrom('identity').select('id').where('id', '=', password.id).execute()).length,
          0,
          'the password is gone',
        );
        await assertDead(tokens);
      },
    );
  });
}
