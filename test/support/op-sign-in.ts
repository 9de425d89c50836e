import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { PASSWORD } from './accounts.js';
import { Browser, type Page } from './browser.js';

/**
 * A relying party's sign-in at Lanyard's OpenID provider, over real HTTP: the authorization request
 * (PKCE, nonce) in a scripted browser, a password sign-in on Lanyard's page, and the browser's way
 * back until it leaves for `redirectUri` (never fetched). Returns the callback URL and what redeeming
 * its code needs.
 */
export async function authorizeWithPassword(
  config: oidc.Configuration,
  email: string,
  redirectUri: string,
  opts: { browser?: Browser; scope?: string } = {},
): Promise<{ callback: URL; verifier: string; nonce: string; browser: Browser }> {
  const b = opts.browser ?? new Browser(null, 'http://browser-origin.invalid');
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: opts.scope ?? 'openid email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
  });
  const login = await b.follow(await b.get(url.href));
  const returnTo = new URL(login.url).searchParams.get('returnTo');
  assert.match(returnTo ?? '', /^\/interaction\/[\w-]+$/, `${login.status} ${login.body.slice(0, 300)}`);
  let page: Page = await b.post(new URL('/login', login.url).href, { email, password: PASSWORD, returnTo: returnTo! });
  for (let i = 0; i < 12; i++) {
    const refresh = page.headers.refresh;
    const target = page.location ?? (typeof refresh === 'string' ? refresh.replace(/^0;url=/, '') : undefined);
    assert.ok(target, `stuck at ${page.url}: ${page.status} ${page.body.slice(0, 300)}`);
    const next = new URL(target, page.url);
    if (next.href.startsWith(redirectUri)) return { callback: next, verifier, nonce, browser: b };
    page = await b.get(next.href);
  }
  throw new Error('too many redirects');
}

/** `authorizeWithPassword`, then the code redeemed at the token endpoint: the client's tokens. */
export async function signInWithPassword(
  config: oidc.Configuration,
  email: string,
  redirectUri: string,
  opts: { browser?: Browser; scope?: string } = {},
) {
  const { callback, verifier, nonce, browser } = await authorizeWithPassword(config, email, redirectUri, opts);
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  return { tokens, browser };
}
