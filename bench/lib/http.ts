// The load generator's HTTP client: node:http over keep-alive sockets, with the little a browser
// does that the flows need (a cookie jar per origin, redirects not followed). Lighter than fetch,
// so the generator takes less of the two cores it shares with what it measures.
import http from 'node:http';

export interface Response {
  status: number;
  location: string | null;
  setCookies: string[];
  body: string;
}

/** One keep-alive pool for the whole run: virtual users share sockets as browsers behind one NAT would not, but connection setup is not what is measured. */
export const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });

const TIMEOUT_MS = 10_000;

/** Cookies by origin (scheme://host:port) — stricter than a browser, which ignores the port. */
export class CookieJar {
  private readonly byOrigin = new Map<string, Map<string, string>>();

  header(origin: string): string | undefined {
    const jar = this.byOrigin.get(origin);
    if (!jar || jar.size === 0) return undefined;
    return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  store(origin: string, setCookies: string[]): void {
    let jar = this.byOrigin.get(origin);
    if (!jar) this.byOrigin.set(origin, (jar = new Map()));
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }

  has(origin: string, name: string): boolean {
    return this.byOrigin.get(origin)?.has(name) ?? false;
  }
}

/** A browser: one cookie jar; each flow iteration starts a new one (a new person, signed out). */
export class Browser {
  readonly jar = new CookieJar();

  get(url: string): Promise<Response> {
    return this.request('GET', url);
  }

  post(url: string, form: Record<string, string>): Promise<Response> {
    return this.request('POST', url, new URLSearchParams(form).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
  }

  /**
   * A request on a kept-alive socket that the server closed just then fails with ECONNRESET before
   * any answer; browsers resend it on a new connection, and so does this (once, as Node advises
   * with `reusedSocket`). Anything else is an error of the flow.
   */
  async request(method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<Response> {
    try {
      return await this.send(method, url, body, headers);
    } catch (e) {
      if ((e as { reusedSocket?: boolean }).reusedSocket && (e as NodeJS.ErrnoException).code === 'ECONNRESET')
        return this.send(method, url, body, headers);
      throw e;
    }
  }

  private send(
    method: string,
    url: string,
    body: string | undefined,
    headers: Record<string, string>,
  ): Promise<Response> {
    const target = new URL(url);
    const origin = target.origin;
    const cookie = this.jar.header(origin);
    return new Promise<Response>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          method,
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          headers: {
            'user-agent': 'lanyard-bench',
            accept: 'text/html,application/json',
            ...(cookie ? { cookie } : {}),
            ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}),
            ...headers,
          },
          timeout: TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const setCookies = res.headers['set-cookie'] ?? [];
            this.jar.store(origin, setCookies);
            const location = res.headers.location ?? null;
            resolve({
              status: res.statusCode ?? 0,
              location: location === null ? null : new URL(location, url).href,
              setCookies,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${target.pathname}: no answer within ${TIMEOUT_MS} ms`)),
      );
      req.on('error', (e) => reject(Object.assign(e, { reusedSocket: req.reusedSocket })));
      req.end(body);
    });
  }
}

/** Throws a short, comparable message when `res` is not what the flow expects. */
export function expectStatus(step: string, res: Response, ...statuses: number[]): Response {
  if (!statuses.includes(res.status)) {
    const hint = /"code"\s*:\s*"([A-Z_]+)"|data-error-code="([A-Z_]+)"/.exec(res.body);
    throw new Error(`${step}: HTTP ${res.status}${hint ? ` ${hint[1] ?? hint[2]}` : ''}`);
  }
  return res;
}

/** The value of the form's hidden `_csrf` field. */
export function csrfFieldOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no _csrf field in the page');
  return m[1]!;
}

/** GET and parse JSON (for the metrics endpoints). */
export async function getJson<T>(url: string): Promise<T> {
  const res = await new Browser().get(url);
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return JSON.parse(res.body) as T;
}
