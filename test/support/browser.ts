import type { App } from '../../src/http/app.js';

export interface Page {
  status: number;
  url: string;
  location: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = any>(): T;
}

/**
 * A scripted browser: keeps cookies per origin, fills in the page's CSRF field, and sends requests
 * for Lanyard's own origin through `app.inject()` (no socket) and any other origin (the ORCID
 * emulator) over real HTTP. Without an app, every request goes over real HTTP (Lanyard behind a
 * proxy). Redirects are returned, not followed, unless `follow` is used.
 */
export class Browser {
  private jars = new Map<string, Map<string, string>>();
  lastHtml = '';
  /** The CSRF field of the last page that had one (the cookie it signs stays the same). */
  lastCsrf: string | undefined;

  constructor(
    private readonly app: App | null,
    readonly origin: string,
  ) {}

  cookie(name: string, origin = this.origin): string | undefined {
    return this.jars.get(origin)?.get(name);
  }

  setCookie(name: string, value: string, origin = this.origin): void {
    this.jar(origin).set(name, value);
  }

  /** Forgets every cookie, or only one origin's (signing out at that site). */
  clearCookies(origin?: string): void {
    if (origin !== undefined) return void this.jars.delete(origin);
    this.jars.clear();
    this.lastCsrf = undefined;
  }

  get(url: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.request('GET', url, undefined, headers);
  }

  /** Posts a form; `_csrf` is the last one a page showed, unless given. */
  post(url: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Page> {
    const csrf = this.lastCsrf;
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...(csrf ? { _csrf: csrf } : {}), ...form })) {
      for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
    }
    return this.request('POST', url, body.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    });
  }

  async request(method: string, url: string, payload?: string, headers: Record<string, string> = {}): Promise<Page> {
    const target = new URL(url, this.origin);
    const cookieHeader = [...this.jar(target.origin)].map(([k, v]) => `${k}=${v}`).join('; ');
    const allHeaders = { accept: 'text/html', ...(cookieHeader ? { cookie: cookieHeader } : {}), ...headers };
    let page: Page;
    if (target.origin === this.origin && this.app) {
      const res = await this.app.inject({
        method: method as 'GET',
        url: target.pathname + target.search,
        headers: allHeaders,
        ...(payload !== undefined ? { payload } : {}),
      });
      for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[])
        this.store(target.origin, c.name, c.value, c.maxAge, c.expires);
      page = makePage(res.statusCode, target.href, res.headers as Page['headers'], res.body);
    } else {
      const res = await fetch(target, { method, headers: allHeaders, body: payload, redirect: 'manual' });
      for (const line of res.headers.getSetCookie()) {
        const [pair, ...attrs] = line.split(';');
        const [name, ...rest] = pair!.split('=');
        const maxAge = attrs.map((a) => a.trim().toLowerCase()).find((a) => a.startsWith('max-age='));
        this.store(target.origin, name!.trim(), rest.join('='), maxAge ? Number(maxAge.slice(8)) : undefined);
      }
      page = makePage(res.status, target.href, Object.fromEntries(res.headers), await res.text());
    }
    if (String(page.headers['content-type'] ?? '').includes('text/html')) {
      this.lastHtml = page.body;
      this.lastCsrf = page.body.match(/name="_csrf"\s+value="([^"]+)"/)?.[1] ?? this.lastCsrf;
    }
    return page;
  }

  /** Follows redirects (at most 10) from a response, across origins. */
  async follow(page: Page): Promise<Page> {
    let current = page;
    for (let i = 0; i < 10 && current.status >= 300 && current.status < 400 && current.location; i++) {
      current = await this.get(new URL(current.location, current.url).href);
    }
    return current;
  }

  private jar(origin: string): Map<string, string> {
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new Map()));
    return jar;
  }

  private store(origin: string, name: string, value: string, maxAge?: number, expires?: Date): void {
    if (value === '' || (maxAge !== undefined && maxAge <= 0) || (expires && expires.getTime() < Date.now()))
      this.jar(origin).delete(name);
    else this.jar(origin).set(name, value);
  }
}

function makePage(status: number, url: string, headers: Page['headers'], body: string): Page {
  const location = headers.location;
  return {
    status,
    url,
    headers,
    body,
    location: typeof location === 'string' ? location : undefined,
    json: () => JSON.parse(body),
  };
}

/**
 * Where Lanyard sends the browser after one of its forms (linking, a proof) to a provider the form
 * page's CSP does not name (SAML, Shibboleth): a page that moves on by itself (200, `Refresh:
 * 0;url=…`), never a redirect, which a browser would stop at the next origin.
 */
export function onwardFrom(page: Page): string {
  const refresh = page.headers.refresh;
  if (page.status !== 200 || typeof refresh !== 'string' || !refresh.startsWith('0;url='))
    throw new Error(
      `not a page that moves on by itself: ${page.status} ${page.location ?? ''} ${page.body.slice(0, 300)}`,
    );
  return refresh.slice('0;url='.length);
}
