import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { ForwardProxy } from '../support/forward-proxy.js';
import { LanyardProcess } from '../support/lanyard-process.js';
import { freePort } from '../support/listening-app.js';
import { addIdpUser, IDP_CLIENT } from '../support/oidc.js';
import { OidcIdp } from '../support/oidc-idp.js';
import { type SelfSigned, selfSignedCertificate } from '../support/self-signed.js';

/**
 * An OpenID Connect sign-in at a university IdP that Lanyard reaches only through the forward
 * proxy of HTTPS_PROXY: discovery, token and JWKS over CONNECT tunnels. Lanyard runs as its own
 * process, as deployed: it reads the proxy from its environment, and trusts the IdP's test
 * certificate through NODE_EXTRA_CA_CERTS. The IdP's name (`idp.egress.test`) resolves only at the
 * proxy, so a call that went direct could not reach it.
 */
const IDP_HOST = 'idp.egress.test';

describe('an OpenID Connect sign-in through a forward proxy (Lanyard as a process)', () => {
  let dir: string;
  let cert: string;
  let tls: SelfSigned;
  let proxy: ForwardProxy;
  let idp: OidcIdp;
  let lanyard: LanyardProcess;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lanyard-egress-'));
    tls = selfSignedCertificate(IDP_HOST, ['127.0.0.1']);
    cert = tls.cert;
    proxy = await new ForwardProxy({ [IDP_HOST]: '127.0.0.1' }).start();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    idp = await OidcIdp.start([{ ...IDP_CLIENT, redirect_uris: [`${url}/auth/uni/callback`] }], {
      tls: { key: tls.key, cert },
      host: IDP_HOST,
    });
    lanyard = await LanyardProcess.start({
      LANYARD_PORT: String(port),
      LANYARD_HOST: '127.0.0.1',
      LANYARD_PUBLIC_URL: url,
      LANYARD_DATA_DIR: join(dir, 'data'),
      LANYARD_LOG_LEVEL: 'info',
      LANYARD_ORCID_ENV: 'off',
      LANYARD_PROVIDERS: JSON.stringify([
        {
          id: 'uni',
          type: 'oidc',
          label: 'University of Example',
          issuer: idp.issuer,
          clientId: IDP_CLIENT.client_id,
          clientSecret: IDP_CLIENT.client_secret,
          // A tunnel, a TLS handshake and the call on a loaded machine: wait for the IdP as long
          // as the test waits for anything, so only a real failure fails it.
          timeoutMs: 60_000,
        },
      ]),
      HTTPS_PROXY: proxy.url,
      NO_PROXY: '',
      NODE_EXTRA_CA_CERTS: tls.certPath,
    });
  });
  after(async () => {
    await lanyard?.stop('SIGKILL');
    await idp?.close();
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
    tls?.remove();
  });

  test('discovery, token and JWKS go through the proxy, and the sign-in completes', async () => {
    assert.match(lanyard.output, /outgoing calls go through the proxy/);
    const sub = addIdpUser(idp, { email: uniqueEmail('egress'), email_verified: true });
    // The test's browser reaches the IdP at its loopback address, trusting its certificate.
    const previous = getGlobalDispatcher();
    setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, cert] } }));
    try {
      const browser = new Browser(null, url);
      const start = await browser.get('/auth/uni');
      assert.equal(start.status, 303, start.body.slice(0, 400));
      assert.ok(
        proxy.seen.includes(`CONNECT ${IDP_HOST}:${new URL(idp.issuer).port}`),
        `discovery went through the proxy: ${proxy.seen.join(', ')}`,
      );
      const atIdp = (location: string, base: string) => {
        const next = new URL(location, base);
        if (next.hostname === IDP_HOST) next.hostname = '127.0.0.1';
        return next;
      };
      let next = atIdp(start.location!, url);
      next.searchParams.set('login_as', sub);
      let page = await browser.get(next.href);
      for (let i = 0; i < 10 && page.location && new URL(page.location, page.url).origin !== url; i++) {
        next = atIdp(page.location, page.url);
        page = await browser.get(next.href);
      }
      assert.ok(page.location, `the IdP sent the browser back: ${page.status} ${page.body.slice(0, 300)}`);
      const tokenRequests = idp.tokenRequests;
      const back = await browser.get(page.location);
      assert.equal(idp.tokenRequests, tokenRequests + 1, 'Lanyard redeemed the code at the IdP');
      assert.equal(back.status, 303, back.body.slice(0, 400));
      assert.match(back.location ?? '', /^\/(external-login|profile)/);
    } finally {
      setGlobalDispatcher(previous);
    }
  });
});
