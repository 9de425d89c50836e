import assert from 'node:assert/strict';
import { addIdpUser, authorizeAtIdp, IDP_CLIENT } from '../support/oidc.js';
import { OidcIdp } from '../support/oidc-idp.js';
import { createTestApp, PUBLIC_URL } from '../support/test-app.js';
import { providerContract } from './contract.js';

/** The provider contract for `oidc`, against a real OpenID provider (oidc-provider) over HTTP. */
providerContract({
  type: 'oidc',
  id: 'uni',
  label: 'University of Example',
  revokesOnUnlink: false,
  checkStart(url) {
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(url.searchParams.get('code_challenge'));
    assert.ok(url.searchParams.get('nonce'));
    assert.ok(url.searchParams.get('state'));
    assert.equal(url.searchParams.get('redirect_uri'), `${PUBLIC_URL}/auth/uni/callback`);
  },
  async start(backend) {
    const idp = await OidcIdp.start([{ ...IDP_CLIENT, redirect_uris: [`${PUBLIC_URL}/auth/uni/callback`] }]);
    const entry = {
      id: 'uni',
      type: 'oidc',
      label: { en: 'University of Example', de: 'Universität Beispiel' },
      issuer: idp.issuer,
      clientId: IDP_CLIENT.client_id,
      clientSecret: IDP_CLIENT.client_secret,
      // Lanyard's first sign-in fetches the IdP's discovery document and keys on top of the token,
      // each within this budget, from an IdP served by this test process (beside PGlite): on a
      // machine loaded to 38 on 2 cores 1.5 s was too short for them and the happy-path tests got
      // PROVIDER_UNAVAILABLE. The 'slow' fault stays well past it.
      timeoutMs: 5000,
    };
    const app = await createTestApp(backend, { LANYARD_PROVIDERS: JSON.stringify([entry]) }).catch(async (e) => {
      await idp.close();
      throw e;
    });
    const deliver = (url: string) => (into: Parameters<typeof authorizeAtIdp>[0]) => into.get(url);
    return {
      app,
      addPerson() {
        const subject = addIdpUser(idp, {});
        return { subject, givenName: idp.users.get(subject)!.given_name! };
      },
      authorize: async (browser, start, person) => deliver(await authorizeAtIdp(browser, person.subject, { start })),
      deny: async (browser, start, person) =>
        deliver(await authorizeAtIdp(browser, person.subject, { start, deny: true })),
      fail(fault) {
        if (fault === 'garbage') idp.tamperToken = async () => ({ token_type: 'Bearer', note: 'no tokens at all' });
        if (fault === 'slow') idp.tokenDelayMs = 12_000;
        if (fault === 'down') idp.tokenRefuses = true;
      },
      heal() {
        idp.tamperToken = null;
        idp.tokenDelayMs = 0;
        idp.tokenRefuses = false;
      },
      async close() {
        await app.close();
        await idp.close();
      },
    };
  },
});
