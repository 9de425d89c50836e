import { after, before, describe } from 'node:test';
import { AddressClient } from '../support/address-client.js';
import { Browser, onwardFrom, type Page } from '../support/browser.js';
import { type Backend, backends, skipReason } from '../support/databases.js';
import { freePort } from '../support/listening-app.js';
import { PROXY_SOURCE, released, ShibbolethProxy, withHaproxy } from '../support/shibboleth-proxy.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

export const SECRET = 'shibboleth-proxy-secret-0123456789abcdef';
export const UNI = 'https://idp.uni.example/idp/shibboleth';
export const LAB = 'https://idp.lab.example/idp/shibboleth';
export const SP = 'https://repository.example/shibboleth';

export interface ShibContext {
  app: TestApp;
  proxy: ShibbolethProxy;
  /** Lanyard's own address, bypassing the proxy. */
  direct: string;
  /** A scripted browser that reaches Lanyard only through the proxy, over HTTP. */
  browser(): Browser;
  /** A client on `address` talking to Lanyard directly (not through the proxy). */
  client(address: string): AddressClient;
}

/**
 * Per database: Lanyard listening on loopback behind HAProxy (standing in for Apache + mod_shib,
 * connecting from PROXY_SOURCE) with two `shibboleth-headers` entries: `shib` (UNI and LAB, emails
 * not trusted) and `shib-trusted` (trustEmail, but only UNI's emails).
 */
export function forEachBackendBehindShibboleth(name: string, body: (ctx: () => ShibContext) => void): void {
  withHaproxy(name, () => {
    for (const backend of backends()) suite(name, backend, body);
  });
}

function suite(name: string, backend: Backend, body: (ctx: () => ShibContext) => void) {
  describe(`${name} [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let ctx: ShibContext | undefined;
    if (!reason) {
      before(async () => {
        const port = await freePort();
        const proxyPort = await freePort();
        const publicUrl = `http://127.0.0.1:${proxyPort}`;
        const idps = { [UNI]: { scopes: ['uni.example'] }, [LAB]: { scopes: ['lab.example', 'lab.uni.example'] } };
        const common = {
          type: 'shibboleth-headers',
          trustedProxies: [PROXY_SOURCE],
          secret: SECRET,
          idps,
          spEntityId: SP,
        };
        const providers = [
          { id: 'shib', label: { en: 'University of Example', de: 'Universität Beispiel' }, ...common },
          { id: 'shib-trusted', label: 'Example Consortium', trustEmail: true, trustEmailFrom: [UNI], ...common },
        ];
        const app = await createTestApp(backend, {
          LANYARD_PUBLIC_URL: publicUrl,
          LANYARD_PROVIDERS: JSON.stringify(providers),
        });
        let proxy: ShibbolethProxy | undefined;
        try {
          await app.app.listen({ port, host: '127.0.0.1' });
          proxy = await ShibbolethProxy.start({ upstreamPort: port, secret: SECRET, port: proxyPort });
        } catch (e) {
          await app.close();
          throw e;
        }
        const direct = `http://127.0.0.1:${port}`;
        ctx = {
          app,
          proxy,
          direct,
          browser: () => new Browser(null, publicUrl),
          client: (address) => new AddressClient(direct, address),
        };
      });
      after(async () => {
        await ctx?.proxy.close();
        await ctx?.app.close();
      });
    }
    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      body(() => {
        if (!ctx) throw new Error('test app not started');
        return ctx;
      });
    });
  });
}

/**
 * A sign-in through the proxy: Lanyard's start (`GET /auth/{id}`, or the account page's link form)
 * sends the browser to the callback mod_shib guards; the proxy adds what the IdP released.
 */
export async function signInThroughProxy(
  browser: Browser,
  attributes: Record<string, string>,
  opts: { provider?: string; returnTo?: string; link?: boolean; extraHeaders?: Record<string, string> } = {},
): Promise<Page> {
  const provider = opts.provider ?? 'shib';
  const headers = { ...released(attributes), ...opts.extraHeaders };
  // From the account page's form: a page that moves on by itself (mod_shib would send the browser
  // on to the IdP, a redirect the form page's CSP stops).
  if (opts.link) {
    const start = await browser.post(`/profile/link/${provider}`, {});
    return browser.get(new URL(onwardFrom(start), start.url).href, headers);
  }
  const start = await browser.get(
    `/auth/${provider}${opts.returnTo ? `?returnTo=${encodeURIComponent(opts.returnTo)}` : ''}`,
  );
  if (start.status !== 303 || !start.location)
    throw new Error(`start did not redirect: ${start.status} ${start.body.slice(0, 300)}`);
  return browser.get(new URL(start.location, start.url).href, headers);
}

let counter = 0;
/** A fresh person at an IdP: a subject-id in its scope, plus the attributes given. */
export function person(idp: string, attributes: Record<string, string> = {}): Record<string, string> {
  counter++;
  const scope = idp === UNI ? 'uni.example' : 'lab.example';
  return {
    'Shib-Identity-Provider': idp,
    'subject-id': `p${counter}x${Date.now().toString(36)}@${scope}`,
    givenName: `Test${counter}`,
    sn: 'Scholar',
    ...attributes,
  };
}
