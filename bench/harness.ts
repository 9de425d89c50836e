// The floor of docs/design.md §7: a bare relying party that only makes the protocol's round trips —
// redirect with `state`; on the callback, the token POST, the email GET, one PostgreSQL insert,
// a cookie — and nothing else (no ID-token check, no templates, no framework). Lanyard's
// throughput is reported as a ratio of this one's, measured on the same machine in the same run.
// Started by bench/run.ts as its own process; configured by HARNESS_* variables.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`harness: ${name} is not set`);
  return v;
};
const port = Number(env('HARNESS_PORT'));
const publicUrl = `http://127.0.0.1:${port}`;
const siteUrl = env('HARNESS_SITE_URL');
const apiUrl = env('HARNESS_API_URL');
const clientId = env('HARNESS_CLIENT_ID');
const clientSecret = env('HARNESS_CLIENT_SECRET');
const databaseUrl = process.env.HARNESS_DATABASE_URL ?? '';
const redirectUri = `${publicUrl}/callback`;

/** One insert per flow, into PostgreSQL (pool of 10 like Lanyard's) or, embedded, PGlite. */
async function openStore(): Promise<(orcid: string, email: string | null) => Promise<void>> {
  const ddl =
    'create table if not exists harness_sign_in (id bigserial primary key, orcid text not null, email text, at timestamptz not null default now())';
  const insert = 'insert into harness_sign_in (orcid, email) values ($1, $2)';
  if (databaseUrl) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
    await pool.query(ddl);
    return async (orcid, email) => void (await pool.query(insert, [orcid, email]));
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite();
  await db.query(ddl);
  return async (orcid, email) => void (await db.query(insert, [orcid, email]));
}

const cookieOf = (req: IncomingMessage, name: string) =>
  new RegExp(`(?:^|; )${name}=([^;]+)`).exec(req.headers.cookie ?? '')?.[1];

function redirect(res: ServerResponse, location: string, cookie?: string): void {
  res.writeHead(303, { location, ...(cookie ? { 'set-cookie': cookie } : {}), 'content-length': 0 });
  res.end();
}

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
const ms = (ns: number) => Math.round(ns / 1000) / 1000;

const save = await openStore();

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', publicUrl);
  const fail = (e: unknown) => {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(String((e as Error).message ?? e));
  };
  if (url.pathname === '/start') {
    const state = randomBytes(32).toString('base64url');
    const authorize = new URL(`${siteUrl}/oauth/authorize`);
    for (const [k, v] of Object.entries({
      client_id: clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri,
      state,
    }))
      authorize.searchParams.set(k, v);
    return redirect(res, authorize.href, `harness-state=${state}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600`);
  }
  if (url.pathname === '/callback') {
    const state = url.searchParams.get('state');
    const code = url.searchParams.get('code');
    if (!code || !state || state !== cookieOf(req, 'harness-state')) {
      res.writeHead(400);
      return res.end('bad state');
    }
    void (async () => {
      const tokenRes = await fetch(`${siteUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          client_id: clientId,
          client_secret: clientSecret,
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
        }),
      });
      if (!tokenRes.ok) throw new Error(`token: HTTP ${tokenRes.status}`);
      const tokens = (await tokenRes.json()) as { access_token: string; orcid: string };
      const emailRes = await fetch(`${apiUrl}/v3.0/${tokens.orcid}/email`, {
        headers: { accept: 'application/json', authorization: `Bearer ${tokens.access_token}` },
      });
      if (!emailRes.ok) throw new Error(`email: HTTP ${emailRes.status}`);
      const emails = (await emailRes.json()) as { email?: { email?: string }[] };
      await save(tokens.orcid, emails.email?.[0]?.email ?? null);
      redirect(res, '/', `harness-session=${randomBytes(32).toString('base64url')}; Path=/; HttpOnly; SameSite=Lax`);
    })().catch(fail);
    return;
  }
  if (url.pathname === '/metrics') {
    const body = JSON.stringify({
      eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
      memory: { rss: process.memoryUsage.rss() },
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(body);
  }
  if (url.pathname === '/metrics/reset' && req.method === 'POST') {
    delay.reset();
    res.writeHead(204);
    return res.end();
  }
  res.writeHead(404);
  res.end();
});

server.listen(port, '127.0.0.1', () => process.stdout.write(`harness listening at ${publicUrl}\n`));
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
