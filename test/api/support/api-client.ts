import assert from 'node:assert/strict';
import type { FixtureUser } from '../../../src/emulator/orcid/index.js';
import type { Browser, Page } from '../../support/browser.js';
import { linkIn } from '../../support/mail-catcher.js';
import { addOrcidUser } from '../../support/orcid.js';
import type { TestApp } from '../../support/test-app.js';
import { OpenApiCheck } from './openapi-check.js';

const checks = new WeakMap<TestApp, Promise<OpenApiCheck>>();

/** The app's own /api/openapi.json, fetched once per app. */
export function openApiCheck(app: TestApp): Promise<OpenApiCheck> {
  let check = checks.get(app);
  if (!check) {
    check = app.app.inject({ method: 'GET', url: '/api/openapi.json' }).then((r) => {
      assert.equal(r.statusCode, 200, 'GET /api/openapi.json');
      return new OpenApiCheck(JSON.parse(r.body));
    });
    checks.set(app, check);
  }
  return check;
}

interface RequestOptions {
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  /** false: leave out the X-XSRF-TOKEN header this client would send. */
  csrf?: boolean;
}

/**
 * A REST client as a DSpace front end is one: asks for JSON, keeps cookies, echoes the
 * DSPACE-XSRF-TOKEN it was handed as X-XSRF-TOKEN — and checks every /api response it receives
 * against /api/openapi.json.
 */
export class ApiClient {
  xsrf: string | undefined;

  constructor(
    readonly app: TestApp,
    private readonly check: OpenApiCheck,
    readonly browser: Browser = app.browser(),
  ) {}

  static async for(app: TestApp): Promise<ApiClient> {
    return new ApiClient(app, await openApiCheck(app));
  }

  async request(method: string, url: string, opts: RequestOptions = {}): Promise<Page> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    if (this.xsrf && opts.csrf !== false && method !== 'GET') headers['x-xsrf-token'] = this.xsrf;
    const payload = opts.json !== undefined ? JSON.stringify(opts.json) : opts.body;
    const page = await this.browser.request(method, url, payload, { ...headers, ...opts.headers });
    const target = new URL(url, this.browser.origin);
    if (target.origin === this.browser.origin && target.pathname.startsWith('/api/'))
      this.check.check(method, target.pathname, page);
    const token = page.headers['dspace-xsrf-token'];
    if (typeof token === 'string') this.xsrf = token;
    return page;
  }

  get = (url: string, opts?: RequestOptions) => this.request('GET', url, opts);
  post = (url: string, opts?: RequestOptions) => this.request('POST', url, opts);

  /** DSpace's PATCH: one JSON Patch operation on /email, sent as application/json-patch+json. */
  patchEmail(id: string, token: string, op: 'add' | 'replace', value: unknown, opts: RequestOptions = {}) {
    return this.request('PATCH', `/api/eperson/registrations/${id}?token=${encodeURIComponent(token)}`, {
      body: JSON.stringify([{ op, path: '/email', value }]),
      ...opts,
      headers: { 'content-type': 'application/json-patch+json', ...opts.headers },
    });
  }

  findByToken = (token: string) =>
    this.get(`/api/eperson/registrations/search/findByToken?token=${encodeURIComponent(token)}`);

  /** GET /api/authn/status, which also hands out the CSRF token. */
  status = () => this.get('/api/authn/status');

  async login(email: string, password = 'correct horse battery'): Promise<Page> {
    if (!this.xsrf) await this.status();
    return this.post('/api/authn/login', {
      body: new URLSearchParams({ user: email, password }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  /**
   * "Sign in with ORCID" through the API: /api/authn/orcid/start → the emulator (signing in
   * headlessly as `orcid`) → the callback. Returns the callback's response.
   */
  async orcidSignIn(orcid: string, redirectUrl?: string): Promise<Page> {
    const start = await this.get(
      `/api/authn/orcid/start${redirectUrl ? `?redirectUrl=${encodeURIComponent(redirectUrl)}` : ''}`,
    );
    assert.equal(start.status, 302, `start: ${start.body.slice(0, 200)}`);
    const authorize = new URL(start.location!);
    authorize.searchParams.set('login_as', orcid);
    const granted = await this.browser.get(authorize.href);
    assert.ok(
      granted.status === 302 || granted.status === 303,
      `emulator: ${granted.status} ${granted.body.slice(0, 200)}`,
    );
    return this.get(granted.location!);
  }
}

/** The token in a `/external-login/{token}` or `/review-account/{token}` location or mailed link. */
export const tokenIn = (location: string) => new URL(location, 'http://x').pathname.split('/').pop()!;

const handedOut = new Set<string>();

/** The token of the next mail to `to` whose link contains `path` (each mailed token is handed out once), waiting for it. */
export async function mailedToken(
  app: TestApp,
  to: string,
  path: '/external-login/' | '/review-account/' | '/register/' | '/forgot/',
): Promise<string> {
  const tokenOf = (text: string) => tokenIn(linkIn({ text } as Parameters<typeof linkIn>[0], path));
  const mail = await app.mail.waitFor(to, (m) => m.text.includes(path) && !handedOut.has(tokenOf(m.text)));
  const token = tokenOf(mail.text);
  handedOut.add(token);
  return token;
}

/**
 * A first ORCID sign-in that ends in a registration (DSpace's OrcidLoginFilter redirect to
 * external-login): returns the token and the registration as findByToken shows it.
 */
export async function orcidRegistration(client: ApiClient, user: Partial<FixtureUser> = {}) {
  const orcid = addOrcidUser(client.app, { emails: [], ...user });
  const back = await client.orcidSignIn(orcid);
  assert.equal(back.status, 303, back.body.slice(0, 300));
  assert.match(back.location!, /^\/external-login\/[A-Za-z0-9_-]{43}$/);
  const token = tokenIn(back.location!);
  const found = await client.findByToken(token);
  assert.equal(found.status, 200, found.body);
  return { orcid, token, registration: found.json<Registration>() };
}

export interface MetadataValue {
  value: string;
  place: number;
  overrides?: string;
}
export interface Registration {
  id: string;
  email: string | null;
  user: string | null;
  registrationType: string;
  netId: string | null;
  registrationMetadata: Record<string, MetadataValue[]>;
}
export interface EPerson {
  id: string;
  email: string;
  netid: string | null;
  metadata: Record<string, MetadataValue[]>;
}
