import { after, before, describe } from 'node:test';
import type { Browser, Page } from './browser.js';
import { type Backend, backends, skipReason } from './databases.js';
import { OidcIdp } from './oidc-idp.js';
import { createTestApp, PUBLIC_URL, type TestApp } from './test-app.js';

export const IDP_CLIENT = { client_id: 'lanyard', client_secret: 'lanyard-oidc-test-secret' } as const;
/** A second client at the same IdP, configured in Lanyard as another provider entry. */
export const LAB_CLIENT = { client_id: 'lanyard-lab', client_secret: 'lanyard-lab-test-secret' } as const;

export interface OidcContext {
  app: TestApp;
  idp: OidcIdp;
}

/**
 * Per database backend: a university IdP (a real oidc-provider over HTTP) and a Lanyard whose
 * providers list has it as `uni` (and, with the same IdP's second client, `lab`), plus `extra`
 * entries and settings.
 */
export function forEachBackendWithIdp(
  name: string,
  body: (ctx: () => OidcContext, backend: Backend) => void,
  opts: {
    uni?: Record<string, unknown>;
    lab?: Record<string, unknown>;
    extra?: (idp: OidcIdp) => unknown[];
    env?: Record<string, string>;
  } = {},
): void {
  for (const backend of backends()) {
    describe(`${name} [${backend}]`, async () => {
      const reason = await skipReason(backend);
      let ctx: OidcContext | undefined;
      if (!reason) {
        before(async () => {
          const idp = await OidcIdp.start([
            { ...IDP_CLIENT, redirect_uris: [`${PUBLIC_URL}/auth/uni/callback`] },
            { ...LAB_CLIENT, redirect_uris: [`${PUBLIC_URL}/auth/lab/callback`] },
          ]);
          const providers = [
            {
              id: 'uni',
              type: 'oidc',
              label: { en: 'University of Example', de: 'Universität Beispiel' },
              issuer: idp.issuer,
              clientId: IDP_CLIENT.client_id,
              clientSecret: IDP_CLIENT.client_secret,
              ...opts.uni,
            },
            {
              id: 'lab',
              type: 'oidc',
              label: 'Example Lab',
              issuer: idp.issuer,
              clientId: LAB_CLIENT.client_id,
              clientSecret: LAB_CLIENT.client_secret,
              trustEmail: true,
              ...opts.lab,
            },
            ...(opts.extra?.(idp) ?? []),
          ];
          try {
            const app = await createTestApp(backend, { LANYARD_PROVIDERS: JSON.stringify(providers), ...opts.env });
            ctx = { app, idp };
          } catch (e) {
            await idp.close();
            throw e;
          }
        });
        after(async () => {
          await ctx?.app.close();
          await ctx?.idp.close();
        });
      }
      describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
        body(() => {
          if (!ctx) throw new Error('test app not started');
          return ctx;
        }, backend);
      });
    });
  }
}

/**
 * Signs in at the IdP as a browser does: Lanyard's start (`GET /auth/{id}`, or a POST form) →
 * the IdP's authorize endpoint as `sub` → its login and consent steps → back at Lanyard. Returns
 * the callback URL the IdP sent the browser to, without opening it, so tests can tamper with it.
 */
export async function authorizeAtIdp(
  browser: Browser,
  sub: string,
  opts: { provider?: string; returnTo?: string; form?: Record<string, string>; start?: Page; deny?: boolean } = {},
): Promise<string> {
  const provider = opts.provider ?? 'uni';
  const start =
    opts.start ??
    (opts.form
      ? await browser.post(`/profile/link/${provider}`, opts.form)
      : await browser.get(`/auth/${provider}${opts.returnTo ? `?returnTo=${encodeURIComponent(opts.returnTo)}` : ''}`));
  if (start.status !== 303 || !start.location)
    throw new Error(`start did not redirect: ${start.status} ${start.body.slice(0, 300)}`);
  const authorize = new URL(start.location);
  authorize.searchParams.set('login_as', sub);
  if (opts.deny) authorize.searchParams.set('deny', '1');
  let page = await browser.get(authorize.href);
  for (let i = 0; i < 10; i++) {
    if (page.status < 300 || page.status >= 400 || !page.location)
      throw new Error(`IdP did not redirect: ${page.status} ${page.body.slice(0, 300)}`);
    const next = new URL(page.location, page.url);
    if (next.origin === new URL(PUBLIC_URL).origin) return next.href;
    page = await browser.get(next.href);
  }
  throw new Error('too many redirects at the IdP');
}

/** The whole round trip: start, IdP, and Lanyard's callback answer. */
export async function signInWithOidc(
  browser: Browser,
  sub: string,
  opts: Parameters<typeof authorizeAtIdp>[2] = {},
): Promise<Page> {
  return browser.get(await authorizeAtIdp(browser, sub, opts));
}

let counter = 0;
/** A fresh subject at the IdP with the given claims. */
export function addIdpUser(idp: OidcIdp, claims: Omit<import('./oidc-idp.js').IdpUser, 'sub'> & { sub?: string }) {
  counter++;
  return idp.addUser({
    given_name: `Test${counter}`,
    family_name: 'Scholar',
    ...claims,
    sub: claims.sub ?? `u-${counter}-${Date.now().toString(36)}`,
  });
}
