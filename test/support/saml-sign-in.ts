import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { type Browser, onwardFrom, type Page } from './browser.js';
import { type Backend, backends, skipReason } from './databases.js';
import type { KeyPair } from '../../src/providers/saml/certificate.js';
import { ns } from '../../src/providers/saml/namespaces.js';
import { signWithXmlsec1 } from './federation.js';
import { type IdpOptions, type IdpUser, type SamlIdp, startSamlIdp, testKeys } from './saml-idp.js';
import { samlPeersMissing } from './saml-peers.js';
import { createTestApp, PUBLIC_URL, type TestApp } from './test-app.js';

export interface SamlContext {
  app: TestApp;
  /** University A: the IdP of the `uni` entry (and of `lab`, which trusts its emails). */
  idp: SamlIdp;
}

/** The SP keys every test entry uses (PEM inline, as a config file may give them). */
export function spKeys(): Record<string, string> {
  const signing = testKeys(1);
  const encryption = testKeys(2);
  return {
    signingKey: signing.privateKey,
    signingCert: signing.certificate,
    encryptionKey: encryption.privateKey,
    encryptionCert: encryption.certificate,
  };
}

/**
 * Per database backend: University A (a real pysaml2 IdP over HTTP, scope uni-a.example) and a
 * Lanyard whose providers list has it as `uni` (trustEmail off) and `lab` (trustEmail on), plus
 * `extra` entries; the IdP trusts the SP metadata Lanyard serves, as after registering it.
 */
export function forEachBackendWithSamlIdp(
  name: string,
  body: (ctx: () => SamlContext, backend: Backend) => void,
  opts: {
    uni?: Record<string, unknown>;
    lab?: Record<string, unknown>;
    idp?: IdpOptions;
    extra?: (idp: SamlIdp) => Promise<unknown[]> | unknown[];
    env?: Record<string, string>;
    app?: Parameters<typeof createTestApp>[2];
  } = {},
): void {
  const missing = samlPeersMissing();
  for (const backend of backends()) {
    describe(`${name} [${backend}]`, async () => {
      const reason = missing || (await skipReason(backend));
      let ctx: SamlContext | undefined;
      if (!reason) {
        before(async () => {
          const idp = await startSamlIdp({ displayName: 'University A', scopes: ['uni-a.example'], ...opts.idp });
          try {
            const providers: Record<string, unknown>[] = [
              {
                id: 'uni',
                type: 'saml',
                label: { en: 'University A', de: 'Universität A' },
                idpMetadataUrl: idp.metadataUrl,
                ...spKeys(),
                ...opts.uni,
              },
              {
                id: 'lab',
                type: 'saml',
                label: 'Example Lab',
                idpMetadataUrl: idp.metadataUrl,
                trustEmail: true,
                ...spKeys(),
                ...opts.lab,
              },
              ...(((await opts.extra?.(idp)) ?? []) as Record<string, unknown>[]),
            ];
            const app = await createTestApp(
              backend,
              { LANYARD_PROVIDERS: JSON.stringify(providers), ...opts.env },
              opts.app,
            );
            ctx = { app, idp };
            for (const p of providers) {
              const metadata = await app.browser().get(`/auth/${String(p.id)}/metadata`);
              if (metadata.status !== 200) throw new Error(`SP metadata of ${String(p.id)}: ${metadata.status}`);
              await idp.trustSp(metadata.body);
            }
          } catch (e) {
            await ctx?.app.close();
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

/** How the IdP answers one sign-in (idp.py's switches). */
export interface IdpSwitches {
  encrypt?: '0' | '1';
  sign?: 'response' | 'assertion' | 'both' | 'none';
  nameid?: 'persistent' | 'transient';
  lifetime?: string;
  enc?: 'aes256-cbc' | 'aes128-gcm' | '3des';
  /** The signature algorithm: RSA-SHA256 (default) or RSA-SHA1 (with SHA-1 digests unless `digest` says otherwise). */
  sigalg?: 'sha256' | 'sha1';
  digest?: 'sha256' | 'sha1';
}

/** The IdP's auto-submitting form: where it posts, and what. */
export interface AcsPost {
  action: string;
  fields: Record<string, string>;
}

/**
 * Signs in at the IdP as a browser does: Lanyard's start (`GET /auth/{id}`, or the account page's
 * link form) → the IdP's SSO endpoint as `user` → the IdP's auto-submitting form. Returns that
 * form without posting it, so tests can tamper with the response.
 */
export async function authenticateAtIdp(
  browser: Browser,
  user: string,
  opts: {
    provider?: string;
    returnTo?: string;
    idp?: string;
    form?: Record<string, string>;
    switches?: IdpSwitches;
  } = {},
): Promise<AcsPost> {
  const provider = opts.provider ?? 'uni';
  const query = new URLSearchParams();
  if (opts.returnTo) query.set('returnTo', opts.returnTo);
  if (opts.idp) query.set('idp', opts.idp);
  if (opts.form)
    return answerAtIdp(
      browser,
      onwardFrom(await browser.post(`/profile/link/${provider}`, opts.form)),
      user,
      opts.switches,
    );
  const start = await browser.get(`/auth/${provider}${query.size ? `?${query}` : ''}`);
  if (start.status !== 303 || !start.location)
    throw new Error(`start did not redirect: ${start.status} ${start.body.slice(0, 300)}`);
  return answerAtIdp(browser, start.location, user, opts.switches);
}

/** Opens an AuthnRequest URL at the IdP as `user` and reads the form it answers with. */
export async function answerAtIdp(
  browser: Browser,
  ssoUrl: string,
  user: string,
  switches: IdpSwitches = {},
): Promise<AcsPost> {
  const sso = new URL(ssoUrl);
  sso.searchParams.set('login_as', user);
  for (const [k, v] of Object.entries(switches)) sso.searchParams.set(k, v);
  const page = await browser.get(sso.href);
  if (page.status !== 200) throw new Error(`IdP answered ${page.status}: ${page.body.slice(0, 2000)}`);
  return readAcsForm(page);
}

export function readAcsForm(page: Page): AcsPost {
  const action = page.body.match(/<form method="post" action="([^"]+)"/)?.[1];
  if (!action) throw new Error(`no form from the IdP: ${page.body.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const m of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
    fields[m[1]!] = m[2]!
      .replace(/&quot;/g, '"')
      .replace(/&#x27;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  return { action: action.replace(/&amp;/g, '&'), fields };
}

/**
 * The IdP's cross-site POST to the ACS. It carries no cookie (a SameSite=Lax cookie is not sent
 * on a cross-site POST), so it goes from a cookie-less browser; the ACS's redirect is then
 * followed by `browser` (a top-level GET, which carries Lax cookies). Returns the ACS's answer and,
 * when it redirected, the callback's.
 */
export async function postToAcs(
  app: TestApp,
  browser: Browser,
  post: AcsPost,
): Promise<{ acs: Page; callback: Page | null }> {
  const acsUrl = new URL(post.action);
  if (acsUrl.origin !== PUBLIC_URL) throw new Error(`the IdP posts to ${post.action}`);
  const acs = await app.browser().post(acsUrl.pathname, post.fields);
  if (acs.status !== 303 || !acs.location) return { acs, callback: null };
  return { acs, callback: await browser.get(acs.location) };
}

/** The whole round trip: start, IdP, ACS, and Lanyard's callback answer (its 303, not followed). */
export async function signInWithSaml(
  app: TestApp,
  browser: Browser,
  user: string,
  opts: Parameters<typeof authenticateAtIdp>[2] = {},
): Promise<Page> {
  const post = await authenticateAtIdp(browser, user, opts);
  const { acs, callback } = await postToAcs(app, browser, post);
  if (!callback) throw new Error(`the ACS refused: ${acs.status} ${acs.body.slice(0, 600)}`);
  return callback;
}

let counter = 0;
/** A fresh person at the IdP: a persistent id and the given attributes (pysaml2's friendly names). */
export async function addSamlUser(idp: SamlIdp, attributes: IdpUser['attributes'], label?: string): Promise<string> {
  counter++;
  const name = `u${counter}-${Date.now().toString(36)}`;
  await idp.addUsers({
    [name]: {
      persistentId: `p-${name}`,
      ...(label ? { label } : {}),
      attributes: { givenName: [`Test${counter}`], sn: ['Scholar'], ...attributes },
    },
  });
  return name;
}

/** The XML of a SAMLResponse field. */
export const responseXml = (post: AcsPost) => Buffer.from(post.fields.SAMLResponse!, 'base64').toString('utf8');

/** The same post with another SAMLResponse. */
export const withResponse = (post: AcsPost, xml: string): AcsPost => ({
  ...post,
  fields: { ...post.fields, SAMLResponse: Buffer.from(xml, 'utf8').toString('base64') },
});

/**
 * Signs a (changed) response again with `keys`, as the IdP itself — or whoever holds that key —
 * would: every ds:Signature template in it gets a fresh digest and signature value.
 */
export async function resign(xml: string, keys: KeyPair): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lanyard-resign-'));
  try {
    writeFileSync(join(dir, 'in.xml'), xml);
    await signWithXmlsec1(join(dir, 'in.xml'), join(dir, 'out.xml'), keys, [
      `${ns.samlp}:Response`,
      `${ns.saml}:Assertion`,
    ]);
    return readFileSync(join(dir, 'out.xml'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
