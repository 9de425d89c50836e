import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config/load.js';
import { PasswordHasher } from '../../src/crypto/password.js';
import { connectDatabase, type Db } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { FaultSettings } from '../../src/emulator/orcid/faults.js';
import type { FixtureUser } from '../../src/emulator/orcid/types.js';
import { createAccount } from '../../src/stores/accounts.js';
import { setPasswordHash } from '../../src/stores/identities.js';
import { Browser, type Page } from './browser.js';
import { freshPostgresDatabase, skipReason } from './databases.js';
import { compileLanyard, LanyardProcess, spawnLanyard } from './lanyard-process.js';
import { freePort } from './listening-app.js';
import { MailCatcher } from './mail-catcher.js';
import { haproxyMissing } from './shibboleth-proxy.js';
import { waitUntil } from './wait.js';

export const TOPOLOGY_SECRET = 'c'.repeat(64);
export const TOPOLOGY_ORCID_CLIENT = { clientId: 'APP-LANYARDTOPOLOGY1', clientSecret: 'lanyard-topology-secret' };
export const TOPOLOGY_PASSWORD = 'correct horse battery';
/** The header HAProxy adds to every answer: which Lanyard process (l1, l2, …) served it. */
export const SERVED_BY = 'x-lanyard-served-by';
/** A request carrying this header (l1, l2, …) is sent to that process; without it, round robin. */
export const ROUTE_TO = 'x-lanyard-route-to';

/** The loopback address HAProxy connects to Lanyard from; clients use others (Linux routes 127/8 to lo). */
export const BALANCER_SOURCE = '127.0.0.3';

export const REDIS_URL = process.env.LANYARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A TCP relay on loopback in front of a real server (Redis here): `cut()` resets every connection
 * and refuses new ones, as a server that went down; `restore()` accepts again on the same port.
 * `silence()` keeps every connection open and accepts new ones but passes nothing on to the
 * server, as a stopped process (`kill -STOP`) or a hung host; `speak()` passes on what waited.
 */
export class TcpRelay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<[client: Socket, upstream: Socket]>();
  private silent = false;
  port = 0;

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  /** Listens on `port` (0: any free one; the relay's own port when restored). */
  async start(port = this.port): Promise<this> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.host);
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          this.sockets.delete(s);
          this.pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        });
      }
      upstream.pipe(client);
      if (this.silent) client.pause();
      else client.pipe(upstream);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  get up(): boolean {
    return this.server !== null;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.resetAndDestroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  async restore(): Promise<void> {
    if (!this.server) await this.start();
  }

  silence(): void {
    this.silent = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      client.pause();
    }
  }

  speak(): void {
    this.silent = false;
    for (const [client, upstream] of this.pairs) client.pipe(upstream);
  }
}

/** The ORCID emulator as its own process (`npm run orcid-emulator`), driven through its admin API. */
export class EmulatorProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly siteUrl: string,
  ) {}

  static async start(fixturesFile: string, entry = 'src/emulator/orcid/main.ts'): Promise<EmulatorProcess> {
    const port = await freePort();
    const child = spawnLanyard(entry, ['--port', String(port), '--fixtures', fixturesFile], {});
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const siteUrl = await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`the ORCID emulator exited: ${out}`);
        return /site \/ issuer\s+(\S+)/.exec(out)?.[1];
      },
      'the ORCID emulator to listen',
      120_000,
    );
    return new EmulatorProcess(child, siteUrl);
  }

  private async admin(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.siteUrl}/__admin${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  }

  /** Adds a user (`orcid` minted by the emulator unless given) and returns the iD. */
  async addUser(user: Partial<FixtureUser>): Promise<string> {
    const added = (await this.admin('POST', '/users', {
      givenNames: 'Topology',
      familyName: 'Researcher',
      emails: [],
      ...user,
    })) as { orcid: string };
    return added.orcid;
  }

  async setFaults(faults: FaultSettings): Promise<void> {
    await this.admin('PUT', '/faults', faults);
  }

  async clearFaults(): Promise<void> {
    await this.admin('DELETE', '/faults');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}

export interface TopologyOptions {
  /** Lanyard processes behind the balancer (default 3). */
  processes?: number;
  /** Extra or overriding LANYARD_* settings for every process. */
  env?: Record<string, string>;
  /** Port of the balancer (default: a free one). */
  port?: number;
  log?: (line: string) => void;
}

/**
 * Several Lanyard processes (`npm start`, configured by LANYARD_* settings only) behind HAProxy
 * from Debian, round robin without stickiness, on one PostgreSQL database and one Redis (through
 * a relay that can be cut), signing in with ORCID against the emulator run as its own process
 * (`LANYARD_ORCID_ENV=custom`), mailing to an SMTP catcher. Every process has the balancer's URL
 * as its public URL, as behind any load balancer.
 */
export class Topology {
  readonly processes: (LanyardProcess | null)[] = [];
  private haproxy: ChildProcess | null = null;
  private haproxyErr = '';

  private constructor(
    readonly url: string,
    readonly db: Db,
    readonly mail: MailCatcher,
    readonly redis: TcpRelay,
    readonly orcid: EmulatorProcess,
    readonly env: Record<string, string>,
    readonly ports: number[],
    private readonly dir: string,
    private readonly dropDatabase: () => Promise<void>,
    private readonly haproxyPort: number,
    private readonly build: Awaited<ReturnType<typeof compileLanyard>>,
  ) {}

  static async start(opts: TopologyOptions = {}): Promise<Topology> {
    const log = opts.log ?? (() => {});
    const count = opts.processes ?? 3;
    const lbPort = opts.port ?? (await freePort());
    const url = `http://127.0.0.1:${lbPort}`;
    const dir = mkdtempSync(join(tmpdir(), 'lanyard-topology-'));
    const cleanups: (() => Promise<unknown>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
    try {
      // Every process runs compiled, as `npm start` runs it: tsx would redo its work at each start.
      log('compiling Lanyard');
      const compiling = compileLanyard();
      compiling.catch(() => {}); // awaited below; a failure meanwhile must not go unhandled
      cleanups.push(() => compiling.then((b) => b.remove()));
      const pg = await freshPostgresDatabase();
      cleanups.push(pg.drop);
      // Both are stopped and started again on their ports by the fault tests: ports from outside
      // the range the kernel gives outgoing connections, which could take one meanwhile.
      const mail = await new MailCatcher().start(await freePort());
      cleanups.push(() => mail.stop());
      const redisTarget = new URL(REDIS_URL);
      const redis = await new TcpRelay(redisTarget.hostname, Number(redisTarget.port || 6379)).start(await freePort());
      cleanups.push(() => redis.cut());
      const fixtures = join(dir, 'orcid-fixtures.json');
      writeFileSync(
        fixtures,
        JSON.stringify({
          clients: [{ ...TOPOLOGY_ORCID_CLIENT, name: 'Lanyard (topology)', member: true, redirectUris: [url] }],
          users: [],
        }),
      );
      const build = await compiling;
      log('starting the ORCID emulator');
      const orcid = await EmulatorProcess.start(fixtures, build.entry('src/emulator/orcid/main.ts'));
      cleanups.push(() => orcid.stop());
      const env: Record<string, string> = {
        LANYARD_HOST: '127.0.0.1',
        LANYARD_PUBLIC_URL: url,
        LANYARD_DATABASE_URL: pg.url,
        LANYARD_SECRET_KEY: TOPOLOGY_SECRET,
        LANYARD_REDIS_URL: `redis://127.0.0.1:${redis.port}`,
        LANYARD_REDIS_PREFIX: `lanyard-topology-${randomBytes(6).toString('hex')}:`,
        LANYARD_SMTP_URL: mail.url,
        LANYARD_ORCID_ENV: 'custom',
        LANYARD_ORCID_SITE_URL: orcid.siteUrl,
        LANYARD_ORCID_API_URL: `${orcid.siteUrl}/member-api`,
        LANYARD_ORCID_CLIENT_ID: TOPOLOGY_ORCID_CLIENT.clientId,
        LANYARD_ORCID_CLIENT_SECRET: TOPOLOGY_ORCID_CLIENT.clientSecret,
        LANYARD_TRUST_PROXY: BALANCER_SOURCE,
        // A slow ORCID is given up on after 3 s (default 10 s), so the fault tests stay short.
        LANYARD_ORCID_TIMEOUT_MS: '3000',
        LANYARD_LOG_LEVEL: 'warn',
        ...opts.env,
      };
      // Migrated once before any process starts, as an operator runs `lanyard migrate` first.
      const db = await connectDatabase({ databaseUrl: pg.url, dataDir: '' });
      cleanups.push(() => db.destroy());
      await migrateToLatest(db);
      const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
      const topology = new Topology(url, db, mail, redis, orcid, env, ports, dir, pg.drop, lbPort, build);
      cleanups.push(() => topology.stopProcesses());
      log(`starting ${count} Lanyard processes`);
      await Promise.all(ports.map((_, i) => topology.startProcess(i)));
      log('starting HAProxy');
      await topology.startHaproxy();
      // Every process in service before the first test sends a request to one by name.
      await topology.waitServing(ports.map((_, i) => Topology.serverName(i)));
      cleanups.length = 0;
      return topology;
    } catch (e) {
      for (const c of cleanups.reverse()) await c().catch(() => {});
      throw e;
    }
  }

  /** Name of process `i` at the balancer (and in SERVED_BY / ROUTE_TO). */
  static serverName(i: number): string {
    return `l${i + 1}`;
  }

  async startProcess(i: number): Promise<LanyardProcess> {
    const p = await LanyardProcess.start(
      { ...this.env, LANYARD_PORT: String(this.ports[i]) },
      undefined,
      this.build.entry('src/main.ts'),
    );
    this.processes[i] = p;
    return p;
  }

  /** `kill -9` of process `i`: no shutdown, no goodbye to the database, the balancer or the outbox. */
  async kill(i: number): Promise<void> {
    await this.processes[i]?.stop('SIGKILL');
    this.processes[i] = null;
  }

  private async startHaproxy(): Promise<void> {
    const servers = this.ports.map((port, i) => ({ name: Topology.serverName(i), port }));
    writeFileSync(
      join(this.dir, 'haproxy.cfg'),
      [
        'global',
        '  maxconn 2000',
        'defaults',
        '  mode http',
        '  timeout connect 5s',
        '  timeout client 60s',
        '  timeout server 60s',
        // A health check may take 5 s: on a busy machine a process answering late is not down.
        '  timeout check 5s',
        // A request that could not reach a process (connection refused) is sent to another one.
        '  retries 2',
        '  option redispatch',
        // A connection to a process for each request, closed after its answer (nginx's default): no
        // idle connection to a process killed meanwhile is reused, so a request sent once it is
        // gone meets a refused connection, which the two lines above retry elsewhere.
        '  option http-server-close',
        'frontend lanyard',
        `  bind 127.0.0.1:${this.haproxyPort}`,
        '  default_backend lanyard',
        'backend lanyard',
        '  balance roundrobin',
        // The client's address reaches Lanyard in X-Forwarded-For; Lanyard trusts it from the balancer's address only.
        '  option forwardfor',
        '  option httpchk GET /healthz',
        `  http-response set-header ${SERVED_BY} %s`,
        ...servers.map((s) => `  use-server ${s.name} if { req.hdr(${ROUTE_TO}) -m str ${s.name} }`),
        ...servers.map(
          (s) => `  server ${s.name} 127.0.0.1:${s.port} source ${BALANCER_SOURCE} check inter 1s fall 3 rise 1`,
        ),
        '',
      ].join('\n'),
    );
    const child = spawn('haproxy', ['-db', '-f', join(this.dir, 'haproxy.cfg')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (c: Buffer) => (this.haproxyErr += c.toString()));
    this.haproxy = child;
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`haproxy exited: ${this.haproxyErr}`);
        return this.reachable();
      },
      'HAProxy to listen',
      60_000,
    );
  }

  private reachable(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.haproxyPort, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
  }

  /** A scripted browser that talks to the balancer (real HTTP, its own cookies). */
  browser(): Browser {
    return new Browser(null, this.url);
  }

  /** Waits until the balancer sends requests to process `i` again (after a restart), or to none of the dead. */
  async waitServing(names: string[], timeoutMs = 60_000): Promise<void> {
    const seen = new Set<string>();
    await waitUntil(
      async () => {
        const res = await fetch(`${this.url}/healthz`).catch(() => null);
        const by = res?.headers.get(SERVED_BY);
        if (by) seen.add(by);
        return names.every((n) => seen.has(n));
      },
      `the balancer to serve from ${names.join(', ')}`,
      timeoutMs,
    );
  }

  /** Verified password accounts made through Lanyard's stores, sharing one argon2id hash. */
  async seedPasswordAccounts(emails: string[]): Promise<void> {
    const config = loadConfig(this.env);
    const hash = await new PasswordHasher(config.password).hash(TOPOLOGY_PASSWORD);
    const now = new Date();
    for (const email of emails) {
      const account = await createAccount(this.db, { email, email_verified_at: now }, now);
      await setPasswordHash(this.db, account.id, hash, now);
    }
  }

  /** Counts the invariants of "nothing lost, nothing doubled" are about (see `invariants()`). */
  async census(): Promise<Census> {
    const one = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(this.db)).rows[0]!;
    const { n: duplicateEmails } = await one<{ n: number }>(
      sql`select count(*)::int as n from (select lower(email) from account group by 1 having count(*) > 1) d`,
    );
    const { n: duplicateIdentities } = await one<{ n: number }>(
      sql`select count(*)::int as n from (select provider, subject from identity group by 1, 2 having count(*) > 1) d`,
    );
    const { n: accountsWithoutWayIn } = await one<{ n: number }>(
      sql`select count(*)::int as n from account a where not exists (select 1 from identity i where i.account_id = a.id)`,
    );
    const { queued, sent, pending } = await one<{ queued: number; sent: number; pending: number }>(
      sql`select count(*)::int as queued, count(sent_at)::int as sent, (count(*) - count(sent_at))::int as pending
          from email_outbox where held_reason is null`,
    );
    const ids = this.mail.messages.map((m) => m.messageId);
    const distinct = new Set(ids);
    const outboxIds = (
      await sql<{ id: string }>`select id::text as id from email_outbox where held_reason is null`.execute(this.db)
    ).rows.map((r) => r.id);
    const host = new URL(this.url).hostname;
    const missing = outboxIds.filter((id) => !distinct.has(`<${id}@${host}>`)).length;
    return {
      duplicateEmails,
      duplicateIdentities,
      accountsWithoutWayIn,
      mailsQueued: queued,
      mailsSent: sent,
      mailsPending: pending,
      mailsDelivered: distinct.size,
      mailsDuplicated: ids.length - distinct.size,
      mailsMissing: missing,
    };
  }

  async stopProcesses(): Promise<void> {
    await Promise.all(this.processes.map((p) => p?.stop('SIGKILL')));
  }

  async close(): Promise<void> {
    if (this.haproxy && this.haproxy.exitCode === null) {
      const exited = new Promise((resolve) => this.haproxy!.once('exit', resolve));
      this.haproxy.kill();
      await exited;
    }
    await this.stopProcesses();
    await this.db.destroy();
    await this.orcid.stop();
    await this.redis.cut();
    await this.mail.stop();
    await this.dropDatabase();
    rmSync(this.dir, { recursive: true, force: true });
    this.build.remove();
  }
}

export interface Census {
  duplicateEmails: number;
  duplicateIdentities: number;
  /** Accounts with no identity: a registration written in part. */
  accountsWithoutWayIn: number;
  mailsQueued: number;
  mailsSent: number;
  mailsPending: number;
  /** Distinct Message-IDs the catcher received. */
  mailsDelivered: number;
  /** Deliveries of a Message-ID already received (a retry after a lost acknowledgement). */
  mailsDuplicated: number;
  /** Outbox mails whose Message-ID never reached the catcher. */
  mailsMissing: number;
}

/**
 * A scripted browser at the balancer that sends its next requests to one process (`routeTo`), or
 * round robin when unset, and records which process served each request.
 */
export class RoutedBrowser extends Browser {
  routeTo: string | undefined;
  readonly served: { method: string; path: string; by: string }[] = [];

  override async request(
    method: string,
    url: string,
    payload?: string,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    const target = new URL(url, this.origin);
    const ours = target.origin === this.origin;
    const page = await super.request(
      method,
      url,
      payload,
      ours && this.routeTo ? { ...headers, [ROUTE_TO]: this.routeTo } : headers,
    );
    if (ours) this.served.push({ method, path: target.pathname, by: String(page.headers[SERVED_BY] ?? '') });
    return page;
  }

  /** Which process served the last request to `path` (a prefix). */
  servedBy(method: string, path: string): string | undefined {
    return this.served.findLast((s) => s.method === method && s.path.startsWith(path))?.by;
  }
}

/**
 * Why the topology cannot run here (no HAProxy, PostgreSQL or Redis), or false. Under CI=true
 * nothing is missing: the suite runs and fails on what is absent.
 */
export async function topologyMissing(): Promise<string | false> {
  if (process.env.CI === 'true') return false;
  const missing = haproxyMissing() || (await skipReason('postgres'));
  if (missing) return missing;
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
    return false;
  } catch (e) {
    return `Redis at ${REDIS_URL} is unreachable (${(e as Error).message}); under CI=true this fails`;
  } finally {
    client.disconnect();
  }
}
