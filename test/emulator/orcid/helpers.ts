// Shared set-up for the ORCID emulator tests: an in-process app driven through `inject()`,
// a clock the test moves by hand, and the fixture identities by the case they cover.
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import {
  createOrcidEmulatorState,
  orcidEmulatorPlugin,
  type OrcidEmulatorOptions,
  type OrcidEmulatorState,
} from '../../../src/emulator/orcid/index.js';

export const BASE = 'http://127.0.0.1:8081';

export const MEMBER = { clientId: 'APP-LANYARDDEMO00001', clientSecret: 'lanyard-demo-secret' };
export const PUBLIC = { clientId: 'APP-LANYARDPUBLIC001', clientSecret: 'lanyard-public-secret' };
export const REDIRECT_URI = 'http://127.0.0.1:3000/auth/orcid/callback';

export const USERS = {
  publicEmail: '0000-0002-1825-0097',
  privateEmail: '0000-0001-5109-3700',
  unverifiedEmail: '0000-0002-7900-5343',
  severalEmails: '0000-0003-0902-4386',
  noPublicName: '0000-0001-2345-6789',
  endsInX: '0000-0002-1694-233X',
  creditName: '0000-0002-2601-8132',
  umlautMfa: '0009-0001-5055-9262',
} as const;

export interface TestEmulator {
  app: FastifyInstance;
  state: OrcidEmulatorState;
  /** Moves the injected clock (not the admin offset). */
  tick(ms: number): void;
}

export async function createTestEmulator(opts: Partial<OrcidEmulatorOptions> = {}): Promise<TestEmulator> {
  let now = Date.UTC(2026, 0, 15, 12, 0, 0);
  const state = createOrcidEmulatorState({ baseUrl: BASE, now: () => now, ...opts });
  const app = Fastify();
  await app.register(orcidEmulatorPlugin, { state });
  await app.ready();
  return { app, state, tick: (ms) => void (now += ms) };
}

/** `/oauth/authorize?…` with the member client, `/authenticate` and REDIRECT_URI unless overridden. */
export function authorizePath(params: Record<string, string> = {}): string {
  const query = new URLSearchParams({
    client_id: MEMBER.clientId,
    response_type: 'code',
    scope: '/authenticate',
    redirect_uri: REDIRECT_URI,
    ...params,
  });
  return `/oauth/authorize?${query}`;
}

export function location(res: LightMyRequestResponse): URL {
  const header = res.headers.location;
  if (typeof header !== 'string') throw new Error(`no redirect: ${res.statusCode} ${res.body}`);
  return new URL(header);
}

/** Signs in headlessly and returns the code from the redirect. */
export async function getCode(app: FastifyInstance, params: Record<string, string> = {}): Promise<string> {
  const res = await app.inject(authorizePath({ login_as: USERS.publicEmail, ...params }));
  const code = location(res).searchParams.get('code');
  if (!code) throw new Error(`no code in ${res.headers.location}`);
  return code;
}

export function postForm(
  app: FastifyInstance,
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
  });
}

/** Code exchange with the member client's credentials in the body. */
export function exchange(app: FastifyInstance, code: string, extra: Record<string, string> = {}) {
  return postForm(app, '/oauth/token', {
    client_id: MEMBER.clientId,
    client_secret: MEMBER.clientSecret,
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    ...extra,
  });
}

export interface TokenBody {
  access_token: string;
  token_type: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  name?: string;
  orcid: string | null;
  id_token?: string;
}

/** The whole headless sign-in: authorize with `login_as`, then exchange. */
export async function signIn(app: FastifyInstance, params: Record<string, string> = {}): Promise<TokenBody> {
  const res = await exchange(app, await getCode(app, params));
  if (res.statusCode !== 200) throw new Error(`token exchange failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** The decoded (unverified) payload of a JWT. */
export function jwtPayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}
