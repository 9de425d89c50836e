import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { adminUrl, freshPostgresDatabase, skipReason } from '../support/databases.js';
import * as oidc from 'openid-client';
import { createListeningTestApp, freePort } from '../support/listening-app.js';
import { registerRelyingParty } from '../support/op-client.js';
import { signInWithPassword as signInAtProvider } from '../support/op-sign-in.js';
import {
  addOrcidUser,
  createAccountWithOrcid,
  createPasswordAccount,
  signInWithOrcid,
  signInWithPassword,
} from '../support/orcid.js';
import { createTestApp, type TestApp, withOrcid } from '../support/test-app.js';
import { waitUntil } from '../support/wait.js';
import { cookieNames } from '../../src/http/cookies.js';
import { connectDatabase, preparedStatement } from '../../src/db/connect.js';

const hasPgBouncer = spawnSync('pgbouncer', ['--version']).status === 0;

/**
 * Lanyard through PgBouncer in transaction pooling mode, with ONE server connection for all of
 * Lanyard's pool: every transaction may run on the connection another client just used, so any
 * session state (a plain SET, a session advisory lock, LISTEN, a named prepared statement) would
 * leak or break (the statements Lanyard prepares fall back to unprepared ones). Migrations (a transaction-scoped advisory lock), ORCID and password sign-ins,
 * session checks and the mail outbox all run through it.
 */
describe('PostgreSQL through PgBouncer in transaction pooling mode', async () => {
  const dbReason = await skipReason('postgres');
  const reason =
    dbReason ||
    (hasPgBouncer
      ? false
      : process.env.CI === 'true'
        ? false
        : 'pgbouncer is not installed (set CI=true to make this a failure)');
  let ctx: TestApp | undefined;
  let bouncer: ChildProcess | undefined;
  let dir: string | undefined;
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
  let bouncerUrl = '';

  before(async () => {
    if (reason) return;
    assert.ok(hasPgBouncer, 'pgbouncer is not installed');
    database = await freshPostgresDatabase();
    const target = new URL(adminUrl());
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'lanyard-pgbouncer-'));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'users.txt'), '"postgres" ""\n');
    writeFileSync(
      join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `* = host=${target.hostname} port=${target.port || 5432}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(dir, 'users.txt')}`,
        'pool_mode = transaction',
        'default_pool_size = 1',
        'max_client_conn = 100',
        'ignore_startup_parameters = extra_float_digits,options',
        '',
      ].join('\n'),
    );
    // PgBouncer refuses to run as root; -u drops to another user.
    const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
    bouncer = spawn('pgbouncer', [...asRoot, join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    bouncer.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const url = new URL(database.url);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    bouncerUrl = url.href;
    await waitUntil(
      async () => {
        if (bouncer!.exitCode !== null) throw new Error(`pgbouncer exited: ${stderr}`);
        const c = new pg.Client({ connectionString: bouncerUrl });
        try {
          await c.connect();
          await c.query('select 1');
          return true;
        } catch {
          return false;
        } finally {
          await c.end().catch(() => {});
        }
      },
      'PgBouncer to accept connections',
      60_000,
    );
    // ORCID's timeout is not under test here: generous, so a loaded machine cannot turn a slow
    // emulator answer into a PROVIDER_UNAVAILABLE page.
    ctx = await createTestApp('postgres', {
      ...withOrcid,
      LANYARD_DATABASE_URL: bouncerUrl,
      LANYARD_ORCID_TIMEOUT_MS: '60000',
    });
  });
  after(async () => {
    await ctx?.close();
    bouncer?.kill('SIGTERM');
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('migrations ran through it and Lanyard is ready', { skip: reason || false }, async () => {
    assert.equal(ctx!.config.databaseUrl, bouncerUrl);
    assert.equal((await ctx!.app.inject('/readyz')).statusCode, 200);
    const direct = new pg.Client({ connectionString: database!.url });
    await direct.connect();
    try {
      const { rows } = await direct.query('select count(*)::int as n from kysely_migration');
      assert.ok(rows[0].n > 0, 'no migration recorded');
    } finally {
      await direct.end();
    }
  });

  test(
    'ORCID sign-ins, first and returning, many at once, on one shared server connection',
    { skip: reason || false },
    async () => {
      const app = ctx!;
      const ids = Array.from({ length: 6 }, (_, i) =>
        addOrcidUser(app, { emails: [{ email: `bouncer${i}@uni.example`, visibility: 'public', verified: true }] }),
      );
      await Promise.all(ids.map((orcid) => createAccountWithOrcid(app.browser(), orcid)));
      const browsers = ids.map(() => app.browser());
      const again = await Promise.all(ids.map((orcid, i) => signInWithOrcid(browsers[i]!, orcid)));
      for (const [i, res] of again.entries()) {
        assert.equal(res.status, 303, res.body.match(/<main[\s\S]*<\/main>/)?.[0]?.slice(0, 1500));
        assert.ok(browsers[i]!.cookie(cookieNames(app.config).session), 'no session cookie');
        assert.equal((await browsers[i]!.get('/profile')).status, 200);
      }
    },
  );

  test(
    'password sign-in, and the session it makes is recognised on the next request',
    { skip: reason || false },
    async () => {
      const app = ctx!;
      await createPasswordAccount(app, 'pooled@example.org');
      const browser = app.browser();
      const res = await signInWithPassword(browser, 'pooled@example.org');
      assert.equal(res.status, 303);
      assert.equal((await browser.get('/profile')).status, 200);
    },
  );

  test(
    'prepared statements: the pool notices the pooler refusing them, once, and every statement still answers',
    { skip: reason || false },
    async () => {
      const refusals: Error[] = [];
      const db = await connectDatabase({
        databaseUrl: bouncerUrl,
        dataDir: '',
        poolSize: 4,
        onPreparedStatementsRefused: (e) => refusals.push(e),
      });
      try {
        const plusOne = preparedStatement('select $1::int + 1 as n');
        // Four clients on one server connection: the second client's Parse of the same name meets the
        // first one's statement there (or a Bind meets a connection without it).
        const answers = await Promise.all(
          Array.from({ length: 40 }, (_, i) => db.executeQuery<{ n: number }>(plusOne([i]))),
        );
        assert.deepEqual(
          answers.map((a) => a.rows[0]?.n),
          Array.from({ length: 40 }, (_, i) => i + 1),
        );
        // PgBouncer before 1.21 (Debian's) refuses them, and the pool says so once; a PgBouncer that
        // tracks prepared statements takes them, and nothing is refused.
        assert.ok(refusals.length <= 1, 'the refusal is reported once');
        for (const r of refusals) assert.match(String((r as { code?: string }).code), /^(26000|42P05)$/);
      } finally {
        await db.destroy();
      }
    },
  );

  test(
    'the OpenID provider: code flows, userinfo and rotated refresh tokens, several at once; a replayed refresh token revokes its grant',
    { skip: reason || false },
    async () => {
      // A second Lanyard process on the same PgBouncer, listening (the relying party talks HTTP).
      const app = await createListeningTestApp('postgres', { LANYARD_DATABASE_URL: bouncerUrl });
      try {
        // Its reads are one database function and its saves one multi-row statement per request
        // (src/stores/oidc-payloads.ts): neither may lean on the server connection it ran on.
        const rp = await registerRelyingParty(app);
        const emails = Array.from({ length: 4 }, (_, i) => `op-bouncer${i}@example.org`);
        await Promise.all(emails.map((email) => createPasswordAccount(app, email)));
        const signedIn = await Promise.all(emails.map((email) => signInAtProvider(rp.config, email, rp.redirect)));
        const refreshed = await Promise.all(
          signedIn.map(async ({ tokens }, i) => {
            const sub = tokens.claims()!.sub;
            assert.equal((await oidc.fetchUserInfo(rp.config, tokens.access_token, sub)).email, emails[i]);
            const next = await oidc.refreshTokenGrant(rp.config, tokens.refresh_token!);
            assert.notEqual(next.refresh_token, tokens.refresh_token);
            assert.equal((await oidc.fetchUserInfo(rp.config, next.access_token, sub)).email, emails[i]);
            return next;
          }),
        );
        await assert.rejects(oidc.refreshTokenGrant(rp.config, signedIn[0]!.tokens.refresh_token!), {
          error: 'invalid_grant',
        });
        await assert.rejects(oidc.refreshTokenGrant(rp.config, refreshed[0]!.refresh_token!), {
          error: 'invalid_grant',
        });
        await oidc.refreshTokenGrant(rp.config, refreshed[1]!.refresh_token!);
      } finally {
        await app.close();
      }
    },
  );
});
