import assert from 'node:assert/strict';
import { addOrcidUser } from '../support/orcid.js';
import { createTestApp, PUBLIC_URL, withOrcid } from '../support/test-app.js';
import { providerContract } from './contract.js';

let people = 0;

/** The provider contract for `orcid`, against the ORCID emulator over HTTP. */
providerContract({
  type: 'orcid',
  id: 'orcid',
  label: 'ORCID',
  revokesOnUnlink: true,
  checkStart(url) {
    assert.equal(url.searchParams.get('code_challenge'), null, 'no PKCE to ORCID');
    assert.ok(url.searchParams.get('state'));
    assert.equal(url.searchParams.get('redirect_uri'), `${PUBLIC_URL}/api/authn/orcid`);
  },
  async start(backend) {
    const app = await createTestApp(backend, { ...withOrcid, LANYARD_ORCID_TIMEOUT_MS: '1500' });
    const emulator = app.orcid!;
    const via = async (
      browser: ReturnType<typeof app.browser>,
      start: { location?: string | undefined },
      orcid: string,
      deny = false,
    ) => {
      const authorize = new URL(start.location!);
      authorize.searchParams.set('login_as', orcid);
      if (deny) authorize.searchParams.set('deny', '1');
      const back = await browser.get(authorize.href);
      assert.ok(back.status === 302 || back.status === 303, `the emulator redirects: ${back.status}`);
      return (into: ReturnType<typeof app.browser>) => into.get(back.location!);
    };
    return {
      app,
      addPerson() {
        const givenName = `Contract${++people}`;
        return { subject: addOrcidUser(app, { givenNames: givenName, emails: [] }), givenName };
      },
      authorize: (browser, start, person) => via(browser, start, person.subject),
      deny: (browser, start, person) => via(browser, start, person.subject, true),
      fail(fault) {
        if (fault === 'garbage') emulator.state.setFaults({ token: { malformedJson: true } });
        if (fault === 'slow') emulator.state.setFaults({ token: { delayMs: 4000 } });
        if (fault === 'down') emulator.state.setFaults({ token: { refuseConnections: true } });
      },
      heal: () => emulator.state.setFaults({ token: null }),
      honours: (token) => emulator.state.tokens.byAccessToken(token, emulator.state.now()) !== null,
      close: () => app.close(),
    };
  },
});
