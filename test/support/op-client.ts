import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import {
  addOidcClient,
  type ClientAuthMethod,
  type PkcePolicy,
  type SubjectType,
} from '../../src/stores/oidc-clients.js';
import { PASSWORD } from './accounts.js';
import type { Browser, Page } from './browser.js';
import type { TestApp } from './test-app.js';

/** A relying party (openid-client) registered at a listening test app, as a repository would be. */
export interface RelyingParty {
  config: oidc.Configuration;
  clientId: string;
  secret: string | null;
  redirect: string;
}

export async function registerRelyingParty(
  app: TestApp & { url: string },
  opts: {
    name?: string;
    auth?: ClientAuthMethod;
    redirect?: string;
    subjectType?: SubjectType;
    firstParty?: boolean;
    postLogoutRedirectUris?: string[];
    pkce?: PkcePolicy;
  } = {},
): Promise<RelyingParty> {
  const auth = opts.auth ?? 'client_secret_basic';
  const redirect = opts.redirect ?? 'http://127.0.0.1:9/callback';
  const { client, secret } = await addOidcClient(
    app.lanyard.db,
    {
      name: opts.name ?? 'Test repository',
      redirectUris: [redirect],
      auth,
      ...(opts.subjectType ? { subjectType: opts.subjectType } : {}),
      ...(opts.firstParty === false ? { firstParty: false } : {}),
      ...(opts.postLogoutRedirectUris ? { postLogoutRedirectUris: opts.postLogoutRedirectUris } : {}),
      ...(opts.pkce ? { pkce: opts.pkce } : {}),
    },
    new Date(),
  );
  const clientAuth =
    auth === 'none'
      ? oidc.None()
      : auth === 'client_secret_post'
        ? oidc.ClientSecretPost(secret!)
        : oidc.ClientSecretBasic(secret!);
  const config = await oidc.discovery(new URL(`${app.url}/oidc`), client.client_id, undefined, clientAuth, {
    execute: [oidc.allowInsecureRequests],
  });
  return { config, clientId: client.client_id, secret, redirect };
}

/** An authorization request with PKCE, state and nonce (scope `openid profile email` unless given). */
export async function authorizationRequest(rp: RelyingParty, extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirect,
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** Follows redirects (and Lanyard's self-moving pages) until one leaves for `redirect`, never fetched. */
export async function untilClient(
  b: Browser,
  page: Page,
  redirect: string,
  opts: { allowConsent?: boolean } = {},
): Promise<URL> {
  for (let i = 0; i < 12; i++) {
    // The consent page, answered "Allow" when the caller says the person would.
    if (opts.allowConsent && page.status === 200 && /^\/interaction\/[\w-]+$/.test(new URL(page.url).pathname)) {
      page = await b.post(`${page.url}/consent`, { decision: 'allow' });
      continue;
    }
    const refresh = page.headers.refresh;
    const target = page.location ?? (typeof refresh === 'string' ? refresh.replace(/^0;url=/, '') : undefined);
    assert.ok(target, `stuck at ${page.url}: ${page.status} ${page.body.slice(0, 300)}`);
    const url = new URL(target, page.url);
    if (url.href.startsWith(redirect)) return url;
    page = await b.get(url.href);
  }
  throw new Error('too many redirects');
}

/** Sends the browser to the authorization URL and signs in with a password on Lanyard's page. */
export async function passwordSignIn(
  app: TestApp & { url: string },
  b: Browser,
  url: URL,
  email: string,
  redirect: string,
): Promise<URL> {
  const login = await b.follow(await b.get(url.href));
  assert.equal(login.status, 200);
  const returnTo = new URL(login.url).searchParams.get('returnTo');
  assert.match(returnTo ?? '', /^\/interaction\/[\w-]+$/);
  const signedIn = await b.post(`${app.url}/login`, { email, password: PASSWORD, returnTo: returnTo! });
  assert.equal(signedIn.status, 303, signedIn.body.slice(0, 300));
  return untilClient(b, signedIn, redirect);
}

/** Redeems the code of a callback as openid-client does, checking state, nonce and PKCE. */
export function redeem(rp: RelyingParty, callback: URL, req: Awaited<ReturnType<typeof authorizationRequest>>) {
  return oidc.authorizationCodeGrant(rp.config, callback, {
    pkceCodeVerifier: req.verifier,
    expectedState: req.state,
    expectedNonce: req.nonce,
    idTokenExpected: true,
  });
}
