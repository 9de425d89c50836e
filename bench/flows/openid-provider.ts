// Lanyard as an OpenID provider, driven as a repository (the relying party) and its users drive it:
// (e) a signed-in person returns to the repository: authorization request → Lanyard's interaction
// (session check, the grant already given) → the code at the repository's redirect URI → the
// repository redeems it at the token endpoint (client_secret_basic, PKCE) and calls userinfo;
// (f) the repository renews its tokens with a refresh-token grant (rotated, so each virtual user
// keeps the latest). The repository's own checks (ID-token signature, nonce) cost the repository,
// not Lanyard, and are left out as the harness leaves out its own.
import { createHash, randomBytes } from 'node:crypto';
import type { Flow } from '../load.js';
import { Browser, type Response, csrfFieldOf, expectStatus } from '../lib/http.js';
import { BENCH_PASSWORD } from './password.js';

/** The repository registered at Lanyard's OpenID provider before Lanyard starts (bench/seed.ts). */
export interface BenchClient {
  clientId: string;
  secret: string;
  redirectUri: string;
}

/** Each virtual user's person: a browser signed in at Lanyard, and the repository's latest refresh token. */
export interface RelyingPartyUsers {
  browsers: Browser[];
  refreshTokens: string[];
}

const base64url = (b: Buffer) => b.toString('base64url');

function basic(client: BenchClient): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
}

/** Follows Lanyard's redirects until one leaves for the repository's redirect URI; returns its code. */
async function authorize(
  lanyardUrl: string,
  client: BenchClient,
  browser: Browser,
  step: <T>(name: string, work: Promise<T>) => Promise<T>,
): Promise<{ code: string; verifier: string }> {
  const verifier = base64url(randomBytes(32));
  const query = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: 'code',
    scope: 'openid email profile',
    state: base64url(randomBytes(16)),
    nonce: base64url(randomBytes(16)),
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  });
  let res: Response = await step('GET /oidc/auth', browser.get(`${lanyardUrl}/oidc/auth?${query}`));
  for (let hop = 0; hop < 6; hop++) {
    if (res.status !== 302 && res.status !== 303) expectStatus('authorization', res, 303);
    const target = res.location!;
    if (target.startsWith(client.redirectUri)) {
      const url = new URL(target);
      const code = url.searchParams.get('code');
      if (!code) throw new Error(`authorization: came back with ${url.searchParams.get('error') ?? 'no code'}`);
      return { code, verifier };
    }
    res = await step(`GET ${new URL(target).pathname.replace(/\/[\w-]{16,}(\/|$)/, '/:uid$1')}`, browser.get(target));
  }
  throw new Error('authorization: too many redirects');
}

async function tokenRequest(lanyardUrl: string, client: BenchClient, browser: Browser, form: Record<string, string>) {
  const res = await browser.request('POST', `${lanyardUrl}/oidc/token`, new URLSearchParams(form).toString(), {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    authorization: basic(client),
  });
  expectStatus('POST /oidc/token', res, 200);
  return JSON.parse(res.body) as { access_token: string; refresh_token?: string; id_token?: string };
}

/**
 * Signs one person per virtual user in with a password and lets the repository through once (the
 * grant a first-party client gets without asking), keeping the refresh token for (f).
 */
export async function enrolRelyingPartyUsers(
  lanyardUrl: string,
  client: BenchClient,
  emails: readonly string[],
  vus: number,
): Promise<RelyingPartyUsers> {
  const users: RelyingPartyUsers = { browsers: [], refreshTokens: [] };
  const step = <T>(_: string, work: Promise<T>) => work;
  for (let vu = 0; vu < vus; vu++) {
    const browser = new Browser();
    const page = expectStatus('GET /login', await browser.get(`${lanyardUrl}/login`), 200);
    expectStatus(
      'POST /login',
      await browser.post(`${lanyardUrl}/login`, {
        email: emails[vu % emails.length]!,
        password: BENCH_PASSWORD,
        _csrf: csrfFieldOf(page.body),
      }),
      303,
    );
    const { code, verifier } = await authorize(lanyardUrl, client, browser, step);
    const tokens = await tokenRequest(lanyardUrl, client, new Browser(), {
      grant_type: 'authorization_code',
      code,
      redirect_uri: client.redirectUri,
      code_verifier: verifier,
    });
    if (!tokens.refresh_token) throw new Error('enrolment: the repository got no refresh token');
    users.browsers.push(browser);
    users.refreshTokens.push(tokens.refresh_token);
  }
  return users;
}

/** (e) A signed-in person returns to the repository: authorize → code → token → userinfo. */
export function oidcCodeFlow(lanyardUrl: string, client: BenchClient, users: RelyingPartyUsers): Flow {
  return async (it) => {
    const browser = users.browsers[it.vu % users.browsers.length]!;
    const { code, verifier } = await authorize(lanyardUrl, client, browser, it.step);
    // The repository's server, not the browser, redeems the code and calls userinfo.
    const tokens = await it.step(
      'POST /oidc/token',
      tokenRequest(lanyardUrl, client, it.browser, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: client.redirectUri,
        code_verifier: verifier,
      }),
    );
    if (!tokens.id_token) throw new Error('POST /oidc/token: no ID token');
    const me = await it.step(
      'GET /oidc/me',
      it.browser.request('GET', `${lanyardUrl}/oidc/me`, undefined, {
        accept: 'application/json',
        authorization: `Bearer ${tokens.access_token}`,
      }),
    );
    expectStatus('GET /oidc/me', me, 200);
  };
}

/** (f) The repository renews a person's tokens: one refresh-token grant, rotated. */
export function refreshFlow(lanyardUrl: string, client: BenchClient, users: RelyingPartyUsers): Flow {
  return async (it) => {
    const slot = it.vu % users.refreshTokens.length;
    const tokens = await it.step(
      'POST /oidc/token (refresh)',
      tokenRequest(lanyardUrl, client, it.browser, {
        grant_type: 'refresh_token',
        refresh_token: users.refreshTokens[slot]!,
      }),
    );
    if (!tokens.refresh_token) throw new Error('refresh: no new refresh token');
    users.refreshTokens[slot] = tokens.refresh_token;
  };
}
