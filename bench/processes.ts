// `npm run bench -- --processes 3`: the returning ORCID sign-in, the password sign-in and the
// OpenID provider's flows ((e) code + token + userinfo, (f) refresh grants) through HAProxy (round
// robin, no stickiness, as `npm run topology` runs it) in front of 1, then 2, then 3 compiled
// Lanyard processes on one PostgreSQL database and one Redis, each count beside the bare harness
// in interleaved slices, as the single-process report measures them.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { benchFixtures, HARNESS_CLIENT, LANYARD_CLIENT } from './fixtures.js';
import { harnessFlow } from './flows/harness-orcid.js';
import { npmStartNodeArgs } from './lib/start-flags.js';
import { enrolRelyingPartyUsers, oidcCodeFlow, refreshFlow } from './flows/openid-provider.js';
import { passwordFlow } from './flows/password.js';
import { enrolFlow, returningOrcidFlow } from './flows/returning-orcid.js';
import { Child } from './lib/child.js';
import { cpuBetween, cpuSnapshot } from './lib/cpu.js';
import { type Flow, mergeSlices, type PhaseResult, type RawPhase, runPhase } from './load.js';
import { dropDatabase, recreateDatabase, registerBenchClient, seedPasswordAccounts } from './seed.js';

/** Its own database: the single-process benchmark's (lanyard_bench) may be in use beside it. */
const DATABASE = 'lanyard_bench_processes';
const RETURNING_USERS = 500;
const PASSWORD_ACCOUNTS = 256;
const SLICES = 4;
/** The header HAProxy adds to every answer: which process served it (as in the topology). */
const SERVED_BY = 'x-lanyard-served-by';

export interface ProcessesOptions {
  maxProcesses: number;
  durationMs: number;
  warmupMs: number;
  vus: number;
  pgAdminUrl: string;
  /** `returning`, `password`, `oidc`, `refresh`. */
  flows: Set<string>;
  extraEnv: Record<string, string>;
  work: string;
  freePort: () => Promise<number>;
  log: (msg: string) => void;
}

interface Row {
  processes: number;
  key: 'harness' | 'returning' | 'password' | 'oidc' | 'refresh';
  label: string;
  result: PhaseResult;
  /** Cores in use during the flow's slices, by process (l1…, haproxy, harness, emulator, redis, postgres, bench, other). */
  cores: Record<string, number>;
}

/** Everything this mode starts, stopped by `stop()` whatever happened. */
class Started {
  children: Child[] = [];
  haproxy: ChildProcess | null = null;
  redis: ChildProcess | null = null;

  async stopHaproxy(): Promise<void> {
    const h = this.haproxy;
    this.haproxy = null;
    if (!h || h.exitCode !== null) return;
    const exited = new Promise((r) => h.once('exit', r));
    h.kill('SIGTERM');
    await exited;
  }

  async stop(): Promise<void> {
    await this.stopHaproxy();
    await Promise.all(this.children.map((c) => c.stop().catch(() => null)));
    const r = this.redis;
    if (r && r.exitCode === null) {
      const exited = new Promise((res) => r.once('exit', res));
      r.kill('SIGKILL');
      await exited;
    }
  }
}

const reachable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function runProcessesBench(o: ProcessesOptions): Promise<void> {
  const started = new Started();
  const t0 = performance.now();
  const loadBefore = loadavg();
  try {
    const [lbPort, harnessPort, emulatorPort, redisPort] = [
      await o.freePort(),
      await o.freePort(),
      await o.freePort(),
      await o.freePort(),
    ];
    const ports: number[] = [];
    for (let i = 0; i < o.maxProcesses; i++) ports.push(await o.freePort());
    const url = `http://127.0.0.1:${lbPort}`;
    const harnessUrl = `http://127.0.0.1:${harnessPort}`;

    const { fixtures, users } = benchFixtures({
      lanyardUrl: url,
      harnessUrl,
      returning: RETURNING_USERS,
      privateEmail: 0,
    });
    const fixturesFile = join(o.work, 'fixtures.json');
    writeFileSync(fixturesFile, JSON.stringify(fixtures));

    o.log(`Redis (its own, port ${redisPort}), the ORCID emulator, a fresh PostgreSQL database ${DATABASE}`);
    started.redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await waitFor(() => reachable(redisPort), 'redis-server to listen');
    const emulator = await Child.start('emulator', {
      entry: 'src/emulator/orcid/main.ts',
      args: ['--port', String(emulatorPort), '--fixtures', fixturesFile],
      ready: /site \/ issuer\s+\S+/,
    });
    started.children.push(emulator);
    const siteUrl = emulator.match(/site \/ issuer\s+(\S+)/);
    const databaseUrl = await recreateDatabase(o.pgAdminUrl, DATABASE);
    const env: Record<string, string> = {
      LANYARD_HOST: '127.0.0.1',
      LANYARD_PUBLIC_URL: url,
      LANYARD_DATABASE_URL: databaseUrl,
      LANYARD_REQUIRE_SMTP: 'false',
      LANYARD_SECRET_KEY: 'b'.repeat(64),
      LANYARD_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      LANYARD_METRICS: 'true',
      // HAProxy passes the client's address in X-Forwarded-For; it connects from 127.0.0.1.
      LANYARD_TRUST_PROXY: '127.0.0.1',
      // One client address sends everything: the per-IP limits would otherwise measure the limiter.
      LANYARD_RATE_SIGNIN_PER_MINUTE: '100000',
      LANYARD_RATE_TOKEN_PER_MINUTE: '100000',
      LANYARD_RATE_OIDC_PER_MINUTE: '100000',
      LANYARD_ORCID_ENV: 'custom',
      LANYARD_ORCID_SITE_URL: siteUrl,
      LANYARD_ORCID_API_URL: `${siteUrl}/member-api`,
      LANYARD_ORCID_CLIENT_ID: LANYARD_CLIENT.clientId,
      LANYARD_ORCID_CLIENT_SECRET: LANYARD_CLIENT.clientSecret,
      ...o.extraEnv,
    };
    o.log(`seeding ${PASSWORD_ACCOUNTS} password accounts (migrating first, as \`lanyard migrate\` does)`);
    const passwordEmails = await seedPasswordAccounts(loadConfig(env), PASSWORD_ACCOUNTS);
    const opFlows = o.flows.has('oidc') || o.flows.has('refresh');
    const benchClient = opFlows ? await registerBenchClient(loadConfig(env)) : null;

    const harness = await Child.start('harness', {
      entry: 'bench/harness.ts',
      env: {
        HARNESS_PORT: String(harnessPort),
        HARNESS_SITE_URL: siteUrl,
        HARNESS_API_URL: `${siteUrl}/member-api`,
        HARNESS_CLIENT_ID: HARNESS_CLIENT.clientId,
        HARNESS_CLIENT_SECRET: HARNESS_CLIENT.clientSecret,
        HARNESS_DATABASE_URL: databaseUrl,
      },
      ready: /harness listening/,
    });
    started.children.push(harness);

    // Compiled as `npm start` compiles it (only when a source changed since the last build).
    const built = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('the build (scripts/build.mjs) failed');

    const lanyards: Child[] = [];
    const startLanyard = async (i: number) => {
      const child = await Child.start(`l${i + 1}`, {
        entry: 'dist/main.js',
        nodeArgs: npmStartNodeArgs(),
        env: { ...env, LANYARD_PORT: String(ports[i]) },
        ready: /Lanyard is running at/,
        logFile: join(o.work, `l${i + 1}.log`),
      });
      started.children.push(child);
      lanyards.push(child);
    };
    const balance = async (count: number) => {
      await started.stopHaproxy();
      const names = ports.slice(0, count).map((_, i) => `l${i + 1}`);
      const cfg = join(o.work, 'haproxy.cfg');
      writeFileSync(
        cfg,
        [
          'global',
          '  maxconn 2000',
          'defaults',
          '  mode http',
          '  timeout connect 5s',
          '  timeout client 60s',
          '  timeout server 60s',
          '  timeout check 5s',
          '  retries 2',
          '  option redispatch',
          'frontend lanyard',
          `  bind 127.0.0.1:${lbPort}`,
          '  default_backend lanyard',
          'backend lanyard',
          '  balance roundrobin',
          '  option forwardfor',
          '  option httpchk GET /healthz',
          `  http-response set-header ${SERVED_BY} %s`,
          ...names.map((n, i) => `  server ${n} 127.0.0.1:${ports[i]} check inter 1s fall 3 rise 1`),
          '',
        ].join('\n'),
      );
      let err = '';
      const h = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
      h.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      started.haproxy = h;
      await waitFor(async () => {
        if (h.exitCode !== null) throw new Error(`haproxy exited: ${err}`);
        return reachable(lbPort);
      }, 'HAProxy to listen');
      // Every process in service (health checked) before anything is measured.
      const seen = new Set<string>();
      await waitFor(
        async () => {
          const res = await fetch(`${url}/healthz`).catch(() => null);
          const by = res?.headers.get(SERVED_BY);
          if (by) seen.add(by);
          return names.every((n) => seen.has(n));
        },
        `the balancer to send to ${names.join(', ')}`,
      );
    };

    await startLanyard(0);
    await balance(1);
    o.log(`enrolling ${users.returning.length} returning users through the balancer, ${o.vus} at a time`);
    const enrol = await runPhase(enrolFlow(url, users.returning), {
      vus: o.vus,
      durationMs: 10 * 60_000,
      maxIterations: users.returning.length,
    });
    if (enrol.errors) throw new Error(`enrolment failed: ${JSON.stringify(enrol.errorKinds)}`);
    // One signed-in browser and one refresh token per virtual user, for every count of processes:
    // the session and the tokens are in the database, so any process serves them.
    const rpUsers = benchClient ? await enrolRelyingPartyUsers(url, benchClient, passwordEmails, o.vus) : null;

    const rows: Row[] = [];
    for (let n = 1; n <= o.maxProcesses; n++) {
      while (lanyards.length < n) await startLanyard(lanyards.length);
      await balance(n);
      const pids: Record<string, number> = {
        ...Object.fromEntries(lanyards.map((c) => [c.name, c.pid])),
        haproxy: started.haproxy!.pid!,
        harness: harness.pid,
        emulator: emulator.pid,
        redis: started.redis.pid!,
        bench: process.pid,
      };
      const group: { key: Row['key']; label: string; flow: Flow }[] = [
        { key: 'harness', label: 'bare relying party (floor)', flow: harnessFlow(harnessUrl, users.returning) },
      ];
      if (o.flows.has('returning'))
        group.push({
          key: 'returning',
          label: '(a) returning-user ORCID sign-in',
          flow: returningOrcidFlow(url, users.returning),
        });
      if (o.flows.has('password'))
        group.push({ key: 'password', label: '(c) password sign-in', flow: passwordFlow(url, passwordEmails) });
      if (benchClient && rpUsers && o.flows.has('oidc'))
        group.push({
          key: 'oidc',
          label: '(e) OpenID provider: authorize + code + token + userinfo',
          flow: oidcCodeFlow(url, benchClient, rpUsers),
        });
      if (benchClient && rpUsers && o.flows.has('refresh'))
        group.push({
          key: 'refresh',
          label: '(f) OpenID provider: refresh-token grant',
          flow: refreshFlow(url, benchClient, rpUsers),
        });
      o.log(`${n} process${n > 1 ? 'es' : ''} behind the balancer: warming up`);
      for (const g of group) await runPhase(g.flow, { vus: o.vus, durationMs: o.warmupMs });
      const parts = new Map<string, { raw: RawPhase[]; ticks: Record<string, number>; ms: number }>();
      for (let s = 0; s < SLICES; s++) {
        for (const g of group) {
          const before = cpuSnapshot(pids, DATABASE);
          const raw = await runPhase(g.flow, { vus: o.vus, durationMs: o.durationMs / SLICES });
          const cores = cpuBetween(before, cpuSnapshot(pids, DATABASE)) ?? {};
          const part = parts.get(g.key) ?? { raw: [], ticks: {}, ms: 0 };
          part.raw.push(raw);
          for (const [name, c] of Object.entries(cores)) part.ticks[name] = (part.ticks[name] ?? 0) + c * raw.elapsedMs;
          part.ms += raw.elapsedMs;
          parts.set(g.key, part);
          o.log(
            `  ${n}p slice ${s + 1}/${SLICES} ${g.key}: ${raw.throughput.toFixed(0)}/s, other load ${cores.other ?? '?'} cores`,
          );
        }
      }
      for (const g of group) {
        const part = parts.get(g.key)!;
        const result = mergeSlices(part.raw);
        const cores = Object.fromEntries(
          Object.entries(part.ticks).map(([k, v]) => [k, Math.round((v / part.ms) * 100) / 100]),
        );
        rows.push({ processes: n, key: g.key, label: g.label, result, cores });
        o.log(
          `${n}p ${g.label}: ${result.throughput.toFixed(0)}/s, p50 ${result.latency.p50.toFixed(1)} p99 ${result.latency.p99.toFixed(1)} ms, ${result.errors} errors`,
        );
        if (result.errors) o.log(`  errors: ${JSON.stringify(result.errorKinds)}`);
      }
    }

    const record = {
      date: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model.trim() ?? 'unknown',
        cores: availableParallelism(),
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        haproxy: spawnSync('haproxy', ['-v']).stdout.toString().split('\n')[0]?.trim() ?? 'unknown',
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadavg(),
      },
      settings: { vus: o.vus, durationSeconds: o.durationMs / 1000, warmupSeconds: o.warmupMs / 1000, slices: SLICES },
      rows,
      wallSeconds: (performance.now() - t0) / 1000,
    };
    const report = renderProcessesReport(record);
    const results = resolve('bench/results');
    mkdirSync(results, { recursive: true });
    const file = join(results, `processes-${record.date.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(record, null, 2));
    writeFileSync(file.replace(/\.json$/, '.md'), `${report}\n`);
    process.stdout.write(`\n${report}\n\nSaved ${file} (and .md).\n`);
  } catch (e) {
    for (const c of started.children) console.error(`--- last output of ${c.name} ---\n${c.output.slice(-3000)}`);
    throw e;
  } finally {
    await started.stop();
    await dropDatabase(o.pgAdminUrl, DATABASE).catch(() => undefined);
  }
}

const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);

function renderProcessesReport(r: {
  date: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    haproxy: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
  };
  settings: { vus: number; durationSeconds: number };
  rows: Row[];
  wallSeconds: number;
}): string {
  const m = r.machine;
  const lines = [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}; ${m.haproxy}; PostgreSQL and Redis on loopback; ${r.date}.`,
    `Load average before/after: ${m.loadAverageBefore.map(f1).join(' ')} / ${m.loadAverageAfter.map(f1).join(' ')}. Run took ${f0(r.wallSeconds)} s. ${r.settings.vus} virtual users, ${r.settings.durationSeconds} s per flow and count, in interleaved slices with the harness.`,
    '',
    '| processes | flow | flows | flows/s | × harness (refresh: per core of Lanyard) | p50 ms | p99 ms | errors | CPU ms/flow (Lanyard, all processes) | cores: Lanyard (l1 l2 l3) / haproxy / harness / emulator / postgres / redis / bench / other |',
    '|--:|---|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const row of r.rows) {
    const res = row.result;
    const c = row.cores;
    const lanyardNames = Object.keys(c).filter((k) => /^l\d+$/.test(k));
    const lanyardCores = lanyardNames.reduce((a, k) => a + (c[k] ?? 0), 0);
    const harness = r.rows.find((x) => x.processes === row.processes && x.key === 'harness');
    const ratio =
      (row.key === 'returning' || row.key === 'oidc') && harness
        ? f2(res.throughput / harness.result.throughput)
        : row.key === 'refresh' && lanyardCores > 0
          ? `${f0(res.throughput / lanyardCores)}/s per core`
          : '';
    const perFlow = row.key !== 'harness' && res.throughput > 0 ? f1((lanyardCores * 1000) / res.throughput) : '–';
    const v = (k: string) => (c[k] === undefined ? '–' : f2(c[k]!));
    lines.push(
      `| ${row.processes} | ${row.label} | ${res.completed} | ${f0(res.throughput)} | ${ratio} | ${f1(res.latency.p50)} | ${f1(res.latency.p99)} | ${res.errors} | ${perFlow} | ${f2(lanyardCores)} (${lanyardNames.map(v).join(' ')}) / ${v('haproxy')} / ${v('harness')} / ${v('emulator')} / ${v('postgres')} / ${v('redis')} / ${v('bench')} / ${v('other')} |`,
    );
  }
  for (const row of r.rows.filter((x) => x.result.errors > 0))
    lines.push(
      '',
      `Errors, ${row.processes} processes, ${row.label}: ${Object.entries(row.result.errorKinds)
        .map(([k, n]) => `${n}× ${k}`)
        .join('; ')}`,
    );
  return lines.join('\n');
}
