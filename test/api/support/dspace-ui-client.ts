import assert from 'node:assert/strict';

/**
 * The REST calls of DSpace's Angular UI, replayed over real HTTP from another origin, with a
 * browser's CORS rules enforced. Each method names the dspace-angular file it reproduces, read at
 * tag dspace-9.1 (commit 2bf9e11a7c3261e196bf4586e09874613332c613):
 *
 * - src/app/core/xsrf/xsrf.interceptor.ts — every request `withCredentials`; non-GET requests to the
 *   REST API carry `X-XSRF-TOKEN` from the UI's own `XSRF-TOKEN` cookie; every answer's (also an
 *   error's) `DSPACE-XSRF-TOKEN` header replaces that cookie.
 * - src/app/core/xsrf/browser-xsrf.service.ts + src/app/core/data/request.effects.ts — `GET
 *   /security/csrf` at start-up; non-GET requests wait until it answered.
 * - src/app/core/auth/auth.interceptor.ts — `Authorization: Bearer` on every request but
 *   login/status (and on logout); the token is the `Authorization` header of the login answer; the
 *   sign-in methods come from `WWW-Authenticate`.
 * - src/app/core/auth/models/auth-token-info.model.ts — the token is decoded as a JWT for `exp`.
 * - src/app/core/dspace-rest/dspace-rest.service.ts — `Content-Type: application/json; charset=utf-8`
 *   unless the caller set one, bodies or not.
 */
export const DSPACE_ANGULAR = 'DSpace/dspace-angular@dspace-9.1 (2bf9e11a7c3261e196bf4586e09874613332c613)';

const JSON_TYPE = 'application/json; charset=utf-8';
/** Fetch's CORS-safelisted response headers: readable without Access-Control-Expose-Headers. */
const SAFELISTED_RESPONSE = [
  'cache-control',
  'content-language',
  'content-length',
  'content-type',
  'expires',
  'last-modified',
  'pragma',
];
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

export interface UiResponse {
  status: number;
  /** A response header as the UI's script can read it: null when CORS does not expose it. */
  header(name: string): string | null;
  body: string;
  json<T = any>(): T;
}

/** What a browser reports when CORS blocks an answer (the script sees a network error, nothing else). */
export class CorsBlocked extends Error {}

interface Send {
  headers?: Record<string, string>;
  body?: string;
}

/**
 * One browser tab of the UI at `uiOrigin`, talking to Lanyard at `apiBase` (…/api). Keeps the
 * browser's cookies for Lanyard (as a browser does for a same-site API), the UI's XSRF-TOKEN cookie
 * and its Bearer token, and logs every request it sent (`sent`) so tests can assert the exact calls.
 */
export class DSpaceUiClient {
  /** Lanyard's cookies in this browser. */
  readonly jar = new Map<string, string>();
  /** The UI's client-side XSRF-TOKEN cookie (XSRF_COOKIE in xsrf.constants.ts). */
  xsrfCookie: string | null = null;
  /** The AuthTokenInfo the UI keeps (in its dsAuthInfo cookie). */
  token: { accessToken: string; expires: number } | null = null;
  tokenInitialized = false;
  links: Record<string, string> = {};
  readonly sent: { method: string; url: string; headers: Record<string, string>; body?: string; preflight: boolean }[] =
    [];

  constructor(
    readonly apiBase: string,
    readonly uiOrigin: string,
  ) {}

  /** The browser's fetch with credentials from `uiOrigin`: preflight when needed, then the request; CORS checked both times. */
  async fetch(method: string, url: string, init: Send = {}): Promise<UiResponse> {
    const headers = Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const nonSimple = Object.keys(headers)
      .filter((h) => {
        if (h === 'accept' || h === 'accept-language' || h === 'content-language') return false;
        if (h === 'content-type')
          return !SIMPLE_CONTENT_TYPES.includes(headers[h]!.split(';')[0]!.trim().toLowerCase());
        return true;
      })
      .sort();
    const preflight = !['GET', 'HEAD', 'POST'].includes(method) || nonSimple.length > 0;
    if (preflight) {
      const pre = await globalThis.fetch(url, {
        method: 'OPTIONS',
        headers: {
          origin: this.uiOrigin,
          'access-control-request-method': method,
          ...(nonSimple.length ? { 'access-control-request-headers': nonSimple.join(',') } : {}),
        },
        redirect: 'manual',
      });
      this.sent.push({ method: 'OPTIONS', url, headers: {}, preflight: true });
      const allowOrigin = pre.headers.get('access-control-allow-origin');
      if (!pre.ok || allowOrigin !== this.uiOrigin || pre.headers.get('access-control-allow-credentials') !== 'true')
        throw new CorsBlocked(`preflight ${method} ${url}: ${pre.status}, allow-origin ${allowOrigin}`);
      const methods = (pre.headers.get('access-control-allow-methods') ?? '').split(',').map((m) => m.trim());
      if (!['GET', 'HEAD', 'POST'].includes(method) && !methods.includes(method))
        throw new CorsBlocked(`preflight: ${method} not allowed (${methods})`);
      const allowed = (pre.headers.get('access-control-allow-headers') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase());
      for (const h of nonSimple) if (!allowed.includes(h)) throw new CorsBlocked(`preflight: header ${h} not allowed`);
    }
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await globalThis.fetch(url, {
      method,
      headers: { ...headers, origin: this.uiOrigin, ...(cookie ? { cookie } : {}) },
      ...(init.body !== undefined ? { body: init.body } : {}),
      redirect: 'manual',
    });
    this.sent.push({ method, url, headers, ...(init.body !== undefined ? { body: init.body } : {}), preflight: false });
    // Credentialed CORS: the browser stores cookies of the answer, but hands it to the script only if allowed.
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const [name, ...rest] = pair!.split('=');
      const value = rest.join('=');
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === '') this.jar.delete(name!.trim());
      else this.jar.set(name!.trim(), value);
    }
    if (
      res.headers.get('access-control-allow-origin') !== this.uiOrigin ||
      res.headers.get('access-control-allow-credentials') !== 'true'
    )
      throw new CorsBlocked(`${method} ${url}: answer not shared with ${this.uiOrigin}`);
    const exposed = (res.headers.get('access-control-expose-headers') ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase());
    const body = await res.text();
    return {
      status: res.status,
      header: (name) =>
        SAFELISTED_RESPONSE.includes(name.toLowerCase()) || exposed.includes(name.toLowerCase())
          ? res.headers.get(name)
          : null,
      body,
      json: () => JSON.parse(body),
    };
  }

  /** The UI's HttpClient pipeline: XsrfInterceptor and AuthInterceptor around DspaceRestService.request. */
  async request(
    method: string,
    url: string,
    opts: { headers?: Record<string, string>; body?: string; auth?: boolean } = {},
  ) {
    if (method !== 'GET' && method !== 'HEAD')
      assert.ok(this.tokenInitialized, `${method} ${url} would wait for GET /security/csrf (request.effects.ts)`);
    const headers: Record<string, string> = { ...opts.headers };
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = JSON_TYPE;
    const authRequest = /\/authn\/(login|status)$/.test(url.split('?')[0]!);
    if (this.token && opts.auth !== false && !authRequest && !headers.Authorization)
      headers.Authorization = `Bearer ${this.token.accessToken}`;
    if (method !== 'GET' && method !== 'HEAD' && this.xsrfCookie && url.startsWith(this.apiBase))
      headers['X-XSRF-TOKEN'] = this.xsrfCookie;
    const res = await this.fetch(method, url, { headers, ...(opts.body !== undefined ? { body: opts.body } : {}) });
    const xsrf = res.header('DSPACE-XSRF-TOKEN');
    if (xsrf) this.xsrfCookie = xsrf;
    return res;
  }

  /** App start: BrowserXSRFService.initXSRFToken, then the HAL root every data service resolves its links from. */
  async start(): Promise<void> {
    const csrf = await this.request('GET', `${this.apiBase}/security/csrf`, {
      headers: { Accept: 'application/json, text/plain, */*' },
    });
    assert.ok(csrf.status >= 200 && csrf.status < 300, `GET /security/csrf: ${csrf.status} ${csrf.body}`);
    this.tokenInitialized = true;
    const root = await this.request('GET', this.apiBase, { headers: { Accept: 'application/json, text/plain, */*' } });
    assert.equal(root.status, 200, root.body);
    this.links = Object.fromEntries(
      Object.entries(root.json<{ _links: Record<string, { href: string }> }>()._links).map(([k, v]) => [k, v.href]),
    );
  }

  link(name: 'authn' | 'epersons' | 'registrations'): string {
    const href = this.links[name];
    assert.ok(href, `the API root lists no "${name}" link`);
    return href;
  }

  /** AuthService.checkAuthenticationCookie: GET {authn}/status, withCredentials. */
  status = () => this.request('GET', `${this.link('authn')}/status`, { headers: { Accept: 'application/json' } });

  /** The sign-in methods of the status answer (AuthInterceptor.parseAuthMethodsFromHeaders). */
  authMethods(res: UiResponse): { type: string; location?: string }[] {
    const header = res.header('www-authenticate');
    if (!header) return [{ type: 'password' }];
    const realms = header.match(/(\w+ (\w+=((".*?")|[^,]*)(, )?)*)/g) ?? [];
    return realms.map((realm) => {
      const parts = realm.split(', ');
      const type = parts[0]!.split(' ')[0]!.trim();
      if (parts.length === 1) return { type };
      let location = parts[1]!.trim().replace('location="', '').replace('"', '');
      location = location.replace(/%3A%2F%2F/g, '://').replace(/%3A/g, ':');
      return { type, location: location.trim() };
    });
  }

  private keepToken(res: UiResponse): void {
    const header = res.header('authorization');
    assert.ok(header, 'the login answer must expose an Authorization header (AuthInterceptor reads it)');
    const accessToken = header.replace('Bearer ', '');
    const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: number;
    };
    assert.equal(typeof payload.exp, 'number', 'AuthTokenInfo decodes the token as a JWT and needs exp');
    this.token = { accessToken, expires: payload.exp! * 1000 };
  }

  /** AuthService.authenticate: a form POST to {authn}/login; the token from the Authorization header. */
  async authenticate(user: string, password: string): Promise<UiResponse> {
    const res = await this.request('POST', `${this.link('authn')}/login`, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `password=${encodeURIComponent(password)}&user=${encodeURIComponent(user)}`,
    });
    if (res.status === 200) this.keepToken(res);
    return res;
  }

  /** AuthService.refreshAuthenticationToken: POST {authn}/login with `{}` (after an external sign-in: the cookie). */
  async refreshAuthenticationToken(): Promise<UiResponse> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token.accessToken}`;
    const res = await this.request('POST', `${this.link('authn')}/login`, { headers, body: '{}' });
    if (res.status === 200) this.keepToken(res);
    return res;
  }

  /** AuthService.authenticatedUser + retrieveAuthenticatedUserByHref: status with the Bearer, then its eperson link. */
  async authenticatedUser(): Promise<{ status: UiResponse; eperson: UiResponse }> {
    assert.ok(this.token, 'no token');
    const status = await this.request('GET', `${this.link('authn')}/status`, {
      headers: { Accept: 'application/json', Authorization: `Bearer ${this.token.accessToken}` },
    });
    assert.equal(status.status, 200, status.body);
    const href = status.json()._links?.eperson?.href as string | undefined;
    assert.ok(href, `status without _links.eperson: ${status.body}`);
    return { status, eperson: await this.request('GET', href) };
  }

  /** AuthService.logout: POST {authn}/logout, its options passed as the body (serialized `{}`). */
  async logout(): Promise<UiResponse> {
    const res = await this.request('POST', `${this.link('authn')}/logout`, { body: '{}' });
    if (res.status === 200 || res.status === 204) this.token = null;
    return res;
  }

  /** EpersonRegistrationService.searchByTokenAndHandleError (the external-login and review-account guards and resolver). */
  findByToken = (token: string) =>
    this.request('GET', `${this.link('registrations')}/search/findByToken?token=${token}`);

  /** EpersonRegistrationService.patchUpdateRegistration: one operation, `value` an array, default content type. */
  patchUpdateRegistration = (values: string[], id: string, token: string, operator: 'add' | 'replace') =>
    this.request('PATCH', `${this.link('registrations')}/${id}?token=${token}`, {
      body: JSON.stringify([{ op: operator, path: '/email', value: values }]),
    });

  /** EpersonRegistrationService.registerEmail: POST {registrations}?accountRequestType=…, a Registration with its email. */
  registerEmail = (email: string, type: 'register' | 'forgot') =>
    this.request('POST', `${this.link('registrations')}?accountRequestType=${type}`, {
      body: JSON.stringify({ email }),
    });

  /** ForgotPasswordFormComponent.submit → EPersonDataService.patchPasswordWithToken: `add /password`, `new_password`. */
  patchPasswordWithToken = (uuid: string, token: string, password: string) =>
    this.request('PATCH', `${this.link('epersons')}/${uuid}?token=${token}`, {
      body: JSON.stringify([{ op: 'add', path: '/password', value: { new_password: password } }]),
    });

  /** ProfilePageComponent's security form: `add /password` with `current_password`, signed in (Bearer). */
  patchPassword = (uuid: string, current: string, password: string) =>
    this.request('PATCH', `${this.link('epersons')}/${uuid}`, {
      body: JSON.stringify([
        { op: 'add', path: '/password', value: { new_password: password, current_password: current } },
      ]),
    });

  /** ConfirmEmailComponent.postCreateAccountFromToken → EPersonDataService.createEPersonForToken. */
  createEPersonForToken(registration: Registration, token: string): Promise<UiResponse> {
    const metadata: Record<string, unknown[]> = {};
    for (const [key, values] of Object.entries(registration.registrationMetadata))
      if (values[0]?.value && key !== 'email')
        // MetadataMapSerializer: each value as a MetadataValue (its @autoserialize fields only).
        metadata[key] = values.map(({ language, value, place, authority, confidence }) => ({
          language,
          value,
          place,
          authority,
          confidence,
        }));
    const eperson = {
      netid: registration.netId,
      canLogIn: true,
      email: registration.email,
      requireCertificate: false,
      selfRegistered: true,
      metadata,
    };
    return this.request('POST', `${this.link('epersons')}?token=${token}`, { body: JSON.stringify(eperson) });
  }

  /**
   * ReviewAccountInfoComponent.mergeEPersonDataWithToken → EPersonDataService.mergeEPersonDataWithToken:
   * no body, one POST per overridden field, all sent at once (each request is dispatched eagerly;
   * switchMap only decides which answer the page watches — the last one).
   */
  async mergeEPersonDataWithToken(uuid: string, token: string, overrides: string[]): Promise<UiResponse[]> {
    const base = `${this.link('epersons')}/${uuid}?token=${token}`;
    if (overrides.length === 0) return [await this.request('POST', base)];
    return Promise.all(overrides.map((key) => this.request('POST', `${base}&override=${key}`)));
  }

  /** AuthService.getExternalServerRedirectUrl: `?redirectUrl=` rewritten to the UI page to come back to. */
  externalServerRedirectUrl(route: string, location: string): string {
    const correct = `${this.uiOrigin}${route}`;
    const match = /\?redirectUrl=(.*)/g.exec(location);
    const fromServer = match && match[1] ? match[1] : null;
    return fromServer !== null && fromServer !== correct
      ? location.replace(/\?redirectUrl=(.*)/g, `?redirectUrl=${correct}`)
      : location;
  }
}

export interface Registration {
  id: string;
  email: string | null;
  user: string | null;
  registrationType: string;
  netId: string | null;
  registrationMetadata: Record<
    string,
    {
      value: string;
      language: string | null;
      authority: string | null;
      confidence: number;
      place: number;
      overrides?: string;
    }[]
  >;
}
