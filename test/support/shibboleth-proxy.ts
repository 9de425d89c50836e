import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultHeaderNames } from '../../src/providers/shibboleth-headers/headers.js';
import { freePort } from './listening-app.js';
import { waitUntil } from './wait.js';

/** The loopback address the proxy connects to Lanyard from (Linux routes all of 127/8 to lo). */
export const PROXY_SOURCE = '127.0.0.2';
/**
 * What the test IdP "released" reaches the proxy as `X-Released-<header>` (see ShibbolethProxy),
 * as UTF-8 bytes, which is how mod_shib writes attribute values into headers.
 */
export const released = (attributes: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      `x-released-${name}`,
      Buffer.from(value, 'utf8').toString('latin1'),
    ]),
  );

/**
 * HAProxy (Debian's) in front of Lanyard doing what Apache + mod_shib does for a
 * `shibboleth-headers` entry: it removes every attribute header a client sent, sets the headers
 * from what the IdP released, adds the shared secret, and connects to Lanyard from its own
 * address. HAProxy speaks no SAML, so "what the IdP released" comes in test-only
 * `X-Released-<header>` request headers (mod_shib takes it from the verified assertion); every
 * header a client writes itself under an attribute's name is dropped on the way, as mod_shib's
 * spoofing protection does. Its `/Shibboleth.sso/Login` stands in for the SP's session initiator
 * asked for a fresh sign-in: `?target=…&forceAuthn=true` returns the browser to `target` (where
 * the test then presents what the IdP released); anything else under `/Shibboleth.sso/` is 400.
 */
export class ShibbolethProxy {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async start(opts: { upstreamPort: number; secret: string; secretHeader?: string; port?: number }) {
    const port = opts.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'lanyard-haproxy-'));
    const secretHeader = opts.secretHeader ?? 'X-Lanyard-Proxy-Secret';
    const rules = Object.values(defaultHeaderNames).flatMap((h) => [
      `  http-request del-header ${h}`,
      `  http-request set-header ${h} %[req.fhdr(x-released-${h})] if { req.fhdr(x-released-${h}) -m found }`,
      `  http-request del-header x-released-${h}`,
    ]);
    writeFileSync(
      join(dir, 'haproxy.cfg'),
      [
        'global',
        '  maxconn 200',
        'defaults',
        '  mode http',
        '  timeout connect 10s',
        '  timeout client 60s',
        '  timeout server 60s',
        'frontend shibboleth',
        `  bind 127.0.0.1:${port}`,
        '  http-request redirect code 302 location "%[url_param(target),url_dec]" if { path /Shibboleth.sso/Login } { url_param(forceAuthn) -m str true } { url_param(target) -m found }',
        '  http-request return status 400 if { path_beg /Shibboleth.sso/ }',
        ...rules,
        `  http-request set-header ${secretHeader} ${opts.secret}`,
        '  default_backend lanyard',
        'backend lanyard',
        `  server lanyard 127.0.0.1:${opts.upstreamPort} source ${PROXY_SOURCE}`,
        '',
      ].join('\n'),
    );
    const child = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const proxy = new ShibbolethProxy(child, dir, `http://127.0.0.1:${port}`);
    try {
      await waitUntil(
        async () => {
          if (child.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
          return new Promise<boolean>((resolve) => {
            const socket = connect(port, '127.0.0.1', () => {
              socket.end();
              resolve(true);
            });
            socket.on('error', () => resolve(false));
          });
        },
        'haproxy to listen',
        60_000,
      );
    } catch (e) {
      await proxy.close();
      throw e;
    }
    return proxy;
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill();
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Why HAProxy cannot run here, or false. Under CI=true a missing HAProxy fails instead of skipping. */
export function haproxyMissing(): string | false {
  if (spawnSync('haproxy', ['-v']).status === 0 || process.env.CI === 'true') return false;
  return 'not installed: haproxy (apt-get install haproxy; CI=true makes this a failure)';
}

/** Runs `suite` when HAProxy is installed, else records one skipped test naming what is missing. */
export function withHaproxy(name: string, suite: () => void): void {
  const missing = haproxyMissing();
  if (missing) test(name, { skip: missing }, () => {});
  else suite();
}
