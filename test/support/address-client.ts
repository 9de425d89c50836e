import { request } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A client on its own loopback address (127.0.0.x: Linux routes the whole /8 to lo), over real
 * HTTP, with its own cookies: what several attackers, or the owner on another network, look like.
 */
export class AddressClient {
  private cookies = new Map<string, string>();
  csrf: string | undefined;
  xsrf: string | undefined;

  constructor(
    readonly origin: string,
    readonly address: string,
  ) {}

  send(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.origin}${path}`,
        { method, localAddress: this.address, headers: { ...(cookie ? { cookie } : {}), ...headers } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            for (const line of res.headers['set-cookie'] ?? []) {
              const [name, ...rest] = line.split(';')[0]!.split('=');
              this.cookies.set(name!.trim(), rest.join('='));
            }
            const token = res.headers['dspace-xsrf-token'];
            if (typeof token === 'string') this.xsrf = token;
            this.csrf = text.match(/name="_csrf"\s+value="([^"]+)"/)?.[1] ?? this.csrf;
            resolve({ status: res.statusCode!, headers: res.headers, body: text });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The sign-in page, then its form. */
  async pageLogin(email: string, password: string): Promise<Answer> {
    if (!this.csrf) await this.send('GET', '/login');
    const form = new URLSearchParams({ _csrf: this.csrf!, email, password }).toString();
    return this.send('POST', '/login', form, {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
    });
  }

  /** DSpace's REST login: the CSRF token from /api/authn/status echoed as X-XSRF-TOKEN. */
  async apiLogin(email: string, password: string): Promise<Answer> {
    if (!this.xsrf) await this.send('GET', '/api/authn/status', undefined, { accept: 'application/json' });
    const form = new URLSearchParams({ user: email, password }).toString();
    return this.send('POST', '/api/authn/login', form, {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      'x-xsrf-token': this.xsrf!,
    });
  }
}

/** Starts a test app listening on 127.0.0.1 and returns its origin (every 127.0.0.x may connect). */
export async function listen(app: { listen(o: { port: number; host: string }): Promise<string> }): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}
