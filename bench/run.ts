// `npm run bench [-- options]` — issue 6: Lanyard's sign-in flows under load beside the bare
// relying party of docs/design.md §7, on loopback, bounded in users, iterations and time.
//
//   --duration S   seconds per timed phase (default 20)      --vus N       virtual users (default 16)
//   --flows LIST   returning,private,password,token,oidc,refresh (default all)
//   --embedded     PGlite inside Lanyard instead of PostgreSQL
//   --soak         only the memory check: 100,000 returning-user sign-ins, RSS at 1,000 and after
//   --profile      run Lanyard under --cpu-prof; summarise with `tsx bench/profile-summary.ts FILE`
//   --pg URL       an existing database on the server to use (default postgres://postgres@127.0.0.1:5432/test)
//   --lanyard-env LANYARD_X=V   one more setting for Lanyard (repeatable), e.g. LANYARD_ARGON2_MAX_CONCURRENT=2
//   --processes N  instead: (a), (c), (e) and (f) through HAProxy in front of 1, 2 … N Lanyard processes
//                  on one PostgreSQL and Redis, beside the harness (bench/processes.ts; --flows
//                  returning,password,oidc,refresh)
//
// Lanyard is measured as an outsider runs it: compiled (as `npm start`), configured only through
// documented LANYARD_* settings with their defaults (log level info, its log written to a file),
// ORCID in `custom` mode against the emulator started as a process of its own. Besides flows/s and
// latency it reports what load on a shared machine moves least: CPU milliseconds per flow of each
// process (from /proc, all threads) and database round trips per flow (counted on the wire).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { benchFixtures, HARNESS_CLIENT, LANYARD_CLIENT } from './fixtures.js';
import { findByTokenFlow, tokenRoute } from './flows/find-by-token.js';
import { harnessFlow } from './flows/harness-orcid.js';
import { enrolRelyingPartyUsers, oidcCodeFlow, refreshFlow } from './flows/openid-provider.js';
import { passwordFlow } from './flows/password.js';
import { type HeldToken, privateEmailFlow } from './flows/private-email.js';
import { enrolFlow, returningOrcidFlow } from './flows/returning-orcid.js';
import { Child } from './lib/child.js';
import { cpuBetween, cpuSnapshot } from './lib/cpu.js';
import { getJson } from './lib/http.js';
import { npmStartNodeArgs } from './lib/start-flags.js';
import { PgRoundTrips } from './lib/pg-count.js';
import { rawVerifyFlow } from './flows/raw-argon2.js';
import { runProcessesBench } from './processes.js';
import { type Flow, mergeSlices, type RawPhase, runPhase } from './load.js';
import {
  type PhaseRecord,
  type ProcessMetrics,
  type RunRecord,
  type SoakPoint,
  checkFloors,
  renderReport,
} from './report.js';
import { dropDatabase, recreateDatabase, registerBenchClient, seedPasswordAccounts } from './seed.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    vus: { type: 'string', default: '16' },
    flows: { type: 'string', default: 'returning,private,password,token,oidc,refresh' },
    embedded: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    'soak-signins': { type: 'string', default: '100000' },
    profile: { type: 'boolean', default: false },
    pg: { type: 'string', default: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'lanyard-env': { type: 'string', multiple: true, default: [] },
    processes: { type: 'string' },
  },
});

const durationMs = Number(args.duration) * 1000;
const vus = Number(args.vus);
const flows = new Set(args.flows!.split(',').map((s) => s.trim()));
const soakSignIns = Number(args['soak-signins']);
if (
  !(durationMs > 0 && durationMs <= 600_000) ||
  !(vus >= 1 && vus <= 256) ||
  !(soakSignIns >= 1000 && soakSignIns <= 1_000_000)
) {
  console.error('bench: --duration must be 1–600 s, --vus 1–256, --soak-signins 1,000–1,000,000');
  process.exit(2);
}
const warmupMs = Math.min(5000, durationMs / 4);
const BENCH_DB = process.env.BENCH_DB ?? 'lanyard_bench';
const RESULTS = resolve('bench/results');
const RETURNING_USERS = 500;
const PASSWORD_ACCOUNTS = 256;
const IDLE_SETTLE_MS = 8000;
/** The harness and Lanyard's ORCID flows take turns in this many slices each (see `measure`). */
const ORCID_SLICES = 4;

const log = (msg: string) =>
  process.stdout.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
const t0 = performance.now();
const children: Child[] = [];
const relays: PgRoundTrips[] = [];
const work = mkdtempSync(join(tmpdir(), 'lanyard-bench-'));

/** Whatever happens, the run ends: a watchdog well past the planned phases stops everything. */
const plannedMs = args.soak ? 60 * 60_000 : (flows.size * 2 + 2) * (durationMs + warmupMs) + 10 * 60_000;
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${plannedMs / 1000} s; stopping`);
  void cleanup().finally(() => process.exit(1));
}, plannedMs);
watchdog.unref();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await Promise.all(children.map((c) => c.stop().catch(() => null)));
  await Promise.all(relays.map((r) => r.stop().catch(() => null)));
  if (!args.embedded && !args.processes) await dropDatabase(args.pg!, BENCH_DB).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const [lanyardPort, harnessPort, emulatorPort] = [await freePort(), await freePort(), await freePort()];
  const lanyardUrl = `http://127.0.0.1:${lanyardPort}`;
  const harnessUrl = `http://127.0.0.1:${harnessPort}`;

  // Enough first-time users that the private-email phase rarely repeats one (it wraps if it must).
  const privateCount = Math.max(2000, Math.ceil(((durationMs + warmupMs) / 1000) * 600));
  const { fixtures, users } = benchFixtures({
    lanyardUrl,
    harnessUrl,
    returning: RETURNING_USERS,
    privateEmail: privateCount,
  });
  const fixturesFile = join(work, 'fixtures.json');
  writeFileSync(fixturesFile, JSON.stringify(fixtures));

  log(`ORCID emulator: ${users.returning.length} returning + ${users.privateEmail.length} private-email users`);
  const emulator = await Child.start('emulator', {
    entry: 'src/emulator/orcid/main.ts',
    args: ['--port', String(emulatorPort), '--fixtures', fixturesFile],
    ready: /site \/ issuer\s+\S+/,
  });
  children.push(emulator);
  const siteUrl = emulator.match(/site \/ issuer\s+(\S+)/);

  const databaseUrl = args.embedded
    ? null
    : await recreateDatabase(args.pg!, BENCH_DB).catch((e: Error) => {
        throw new Error(
          `PostgreSQL at ${args.pg} cannot create ${BENCH_DB} (${e.message}): give --pg URL (or BENCH_PG_URL), or run with --embedded`,
        );
      });
  // Lanyard and the harness each reach PostgreSQL through a relay that counts round trips.
  const lanyardDb = databaseUrl ? await PgRoundTrips.start(databaseUrl) : null;
  const harnessDb = databaseUrl ? await PgRoundTrips.start(databaseUrl) : null;
  for (const r of [lanyardDb, harnessDb]) if (r) relays.push(r.relay);
  const lanyardEnv: Record<string, string> = {
    LANYARD_PORT: String(lanyardPort),
    LANYARD_HOST: '127.0.0.1',
    LANYARD_PUBLIC_URL: lanyardUrl,
    ...(lanyardDb
      ? { LANYARD_DATABASE_URL: lanyardDb.url, LANYARD_REQUIRE_SMTP: 'false' }
      : { LANYARD_DATA_DIR: join(work, 'data') }),
    LANYARD_SECRET_KEY: 'b'.repeat(64),
    // The log level stays at its default (info), as an operator leaves it.
    LANYARD_METRICS: 'true',
    // One client address sends everything: the per-IP limits would otherwise measure the limiter.
    LANYARD_RATE_SIGNIN_PER_MINUTE: '100000',
    LANYARD_RATE_TOKEN_PER_MINUTE: '100000',
    LANYARD_RATE_OIDC_PER_MINUTE: '100000',
    // A separately running emulator is a custom ORCID (the built-in one serves the demo database only).
    LANYARD_ORCID_ENV: 'custom',
    LANYARD_ORCID_SITE_URL: siteUrl,
    LANYARD_ORCID_API_URL: `${siteUrl}/member-api`,
    LANYARD_ORCID_CLIENT_ID: LANYARD_CLIENT.clientId,
    LANYARD_ORCID_CLIENT_SECRET: LANYARD_CLIENT.clientSecret,
    ...Object.fromEntries(
      args['lanyard-env']!.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ),
  };
  log(
    `database: ${databaseUrl ? `PostgreSQL ${BENCH_DB} (fresh)` : 'embedded PGlite (fresh)'}; seeding ${PASSWORD_ACCOUNTS} password accounts`,
  );
  const passwordEmails = await seedPasswordAccounts(loadConfig(lanyardEnv), PASSWORD_ACCOUNTS);
  const benchClient = await registerBenchClient(loadConfig(lanyardEnv));

  const harness = await Child.start('harness', {
    entry: 'bench/harness.ts',
    env: {
      HARNESS_PORT: String(harnessPort),
      HARNESS_SITE_URL: siteUrl,
      HARNESS_API_URL: `${siteUrl}/member-api`,
      HARNESS_CLIENT_ID: HARNESS_CLIENT.clientId,
      HARNESS_CLIENT_SECRET: HARNESS_CLIENT.clientSecret,
      ...(harnessDb ? { HARNESS_DATABASE_URL: harnessDb.url } : {}),
    },
    ready: /harness listening/,
  });
  children.push(harness);

  const profileDir = join(RESULTS, 'profiles');
  if (args.profile) mkdirSync(profileDir, { recursive: true });
  // Lanyard runs as `npm start` runs it: compiled JavaScript (tsx would add ~30 MB of RSS), with
  // the Node options of package.json's start script (a young generation of 16 MB: docs/performance.md).
  const built = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('npm run build failed');
  const lanyard = await Child.start('lanyard', {
    entry: 'dist/main.js',
    nodeArgs: [...npmStartNodeArgs(), ...(args.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])],
    env: lanyardEnv,
    ready: /Lanyard is running at/,
    logFile: join(work, 'lanyard.log'),
  });
  children.push(lanyard);
  const pids = { lanyard: lanyard.pid, harness: harness.pid, emulator: emulator.pid, bench: process.pid };
  const metricsOf = (target: 'lanyard' | 'harness') =>
    getJson<ProcessMetrics>(`${target === 'lanyard' ? lanyardUrl : harnessUrl}/metrics`);
  const resetMetrics = (target: 'lanyard' | 'harness') =>
    fetch(`${target === 'lanyard' ? lanyardUrl : harnessUrl}/metrics/reset`, { method: 'POST' });
  const roundTrips = (target: Measured['target']) =>
    target === 'lanyard' ? lanyardDb?.relay.count : target === 'harness' ? harnessDb?.relay.count : undefined;

  // Idle: start-up (migrations, module loading) done and its garbage given time to be collected.
  await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
  const idleAfterStart = (await metricsOf('lanyard')).memory.rss;
  log(`Lanyard up (pid ${lanyard.pid}), idle RSS ${(idleAfterStart / 2 ** 20).toFixed(0)} MB`);

  const phases: PhaseRecord[] = [];
  interface Measured {
    key: string;
    label: string;
    /** Whose CPU and metrics the flow measures; 'bench' runs inside this process (raw argon2id). */
    target: 'lanyard' | 'harness' | 'bench';
    flow: Flow;
    /** Virtual users of this flow when not `vus`. */
    vus?: number;
  }
  /**
   * Measures flows in interleaved slices — A B C, A B C, … — each flow `durationMs` in all. The
   * machine's other load then weighs on each flow alike, which keeps the ratio to the harness
   * honest on a shared machine. Event-loop delay is the worst slice's p99; CPU is summed.
   */
  const measure = async (group: Measured[], slices: number) => {
    for (const m of group) await runPhase(m.flow, { vus: m.vus ?? vus, durationMs: warmupMs });
    const parts = new Map<
      string,
      {
        raw: RawPhase[];
        ticks: Record<string, number>;
        ms: number;
        metrics: ProcessMetrics[];
        windows: PhaseRecord['windows'];
        roundTrips: number;
      }
    >();
    for (let i = 0; i < slices; i++) {
      for (const m of group) {
        if (m.target !== 'bench') await resetMetrics(m.target);
        const before = cpuSnapshot(pids, BENCH_DB);
        const tripsBefore = roundTrips(m.target) ?? 0;
        // CLOCK_MONOTONIC in µs, the clock of V8's .cpuprofile timestamps: profile-summary.ts cuts the phase out by it.
        const startUs = Number(process.hrtime.bigint() / 1000n);
        const raw = await runPhase(m.flow, { vus: m.vus ?? vus, durationMs: durationMs / slices });
        const endUs = Number(process.hrtime.bigint() / 1000n);
        const cores = cpuBetween(before, cpuSnapshot(pids, BENCH_DB)) ?? {};
        const trips = (roundTrips(m.target) ?? 0) - tripsBefore;
        const part = parts.get(m.key) ?? { raw: [], ticks: {}, ms: 0, metrics: [], windows: [], roundTrips: 0 };
        part.raw.push(raw);
        part.roundTrips += trips;
        for (const [name, c] of Object.entries(cores)) part.ticks[name] = (part.ticks[name] ?? 0) + c * raw.elapsedMs;
        part.ms += raw.elapsedMs;
        if (m.target !== 'bench') part.metrics.push(await metricsOf(m.target));
        part.windows.push({ startUs, endUs });
        parts.set(m.key, part);
        if (slices > 1)
          log(
            `  slice ${i + 1}/${slices} ${m.key}: ${raw.throughput.toFixed(0)}/s, other load ${cores.other ?? '?'} cores`,
          );
      }
    }
    for (const m of group) {
      const part = parts.get(m.key)!;
      const result = mergeSlices(part.raw);
      const p99s = part.metrics.map((x) => x.eventLoopDelayMs.p99).filter((x): x is number => x !== null);
      const last = part.metrics[part.metrics.length - 1];
      const metrics: ProcessMetrics | null = last
        ? {
            eventLoopDelayMs: { p50: null, p99: p99s.length ? Math.max(...p99s) : null, max: null },
            memory: last.memory,
          }
        : null;
      const cpu = Object.keys(part.ticks).length
        ? Object.fromEntries(Object.entries(part.ticks).map(([k, v]) => [k, Math.round((v / part.ms) * 100) / 100]))
        : null;
      phases.push({
        key: m.key,
        label: m.label,
        target: m.target,
        vus: m.vus ?? vus,
        result,
        metrics,
        cpu,
        windows: part.windows,
        // Whole flows only: a slice's last flows may be in flight when it ends, so this is ± a few per slice.
        dbRoundTripsPerFlow:
          roundTrips(m.target) === undefined ? null : part.roundTrips / Math.max(1, result.completed),
      });
      log(
        `${m.label} (${m.target}): ${result.completed} flows, ${result.throughput.toFixed(0)}/s, p50 ${result.latency.p50.toFixed(1)} p99 ${result.latency.p99.toFixed(1)} ms, ${result.errors} errors`,
      );
      if (result.errors) log(`  errors: ${JSON.stringify(result.errorKinds)}`);
    }
  };

  log(`enrolling ${users.returning.length} returning users (first sign-in + create account), ${vus} at a time`);
  const enrol = await runPhase(enrolFlow(lanyardUrl, users.returning), {
    vus,
    durationMs: 10 * 60_000,
    maxIterations: users.returning.length,
  });
  if (enrol.errors) throw new Error(`enrolment failed: ${JSON.stringify(enrol.errorKinds)}`);
  log(`enrolled in ${(enrol.elapsedMs / 1000).toFixed(1)} s`);

  let soak: SoakPoint[] | null = null;
  let tokens: HeldToken[] = [];
  if (args.soak) {
    soak = await runSoak(returningOrcidFlow(lanyardUrl, users.returning), () => metricsOf('lanyard'));
  } else {
    const orcidGroup: Measured[] = [
      {
        key: 'harness',
        label: 'bare relying party (floor)',
        target: 'harness',
        flow: harnessFlow(harnessUrl, users.returning),
      },
    ];
    if (flows.has('returning'))
      orcidGroup.push({
        key: 'returning',
        label: '(a) returning-user ORCID sign-in',
        target: 'lanyard',
        flow: returningOrcidFlow(lanyardUrl, users.returning),
      });
    if (flows.has('private'))
      orcidGroup.push({
        key: 'private',
        label: '(b) first sign-in, private email',
        target: 'lanyard',
        flow: privateEmailFlow(lanyardUrl, users.privateEmail, tokens),
      });
    if (orcidGroup.length > 1) await measure(orcidGroup, ORCID_SLICES);
    if (flows.has('password'))
      // Beside raw argon2id verification in this process, as many at once as there are cores,
      // at Lanyard's parameters: the ceiling a password sign-in cannot pass on this machine.
      await measure(
        [
          {
            key: 'argon2',
            label: `raw argon2id verify (${availableParallelism()} at once)`,
            target: 'bench',
            flow: await rawVerifyFlow(loadConfig(lanyardEnv).password),
            vus: availableParallelism(),
          },
          {
            key: 'password',
            label: '(c) password sign-in',
            target: 'lanyard',
            flow: passwordFlow(lanyardUrl, passwordEmails),
          },
        ],
        ORCID_SLICES,
      );
    if (flows.has('token')) {
      if (tokens.length === 0) {
        await runPhase(privateEmailFlow(lanyardUrl, users.privateEmail, tokens), {
          vus,
          durationMs: 60_000,
          maxIterations: 500,
        });
      }
      tokens = tokens.slice(0, 5000);
      const route = await tokenRoute(lanyardUrl, tokens[0]!);
      const label =
        route === 'api'
          ? '(d) findByToken (REST API)'
          : '(d) token lookup: GET /external-login/:token (API route not there yet)';
      await measure([{ key: 'token', label, target: 'lanyard', flow: findByTokenFlow(lanyardUrl, tokens, route) }], 1);
    }
    if (flows.has('oidc') || flows.has('refresh')) {
      // A repository signing people in through Lanyard's OpenID provider, beside the harness.
      const rpUsers = await enrolRelyingPartyUsers(lanyardUrl, benchClient, passwordEmails, vus);
      const opGroup: Measured[] = [
        {
          key: 'harness-op',
          label: 'bare relying party (floor, beside the OpenID provider)',
          target: 'harness',
          flow: harnessFlow(harnessUrl, users.returning),
        },
      ];
      if (flows.has('oidc'))
        opGroup.push({
          key: 'oidc',
          label: '(e) OpenID provider: authorize + code + token + userinfo',
          target: 'lanyard',
          flow: oidcCodeFlow(lanyardUrl, benchClient, rpUsers),
        });
      if (flows.has('refresh'))
        opGroup.push({
          key: 'refresh',
          label: '(f) OpenID provider: refresh-token grant',
          target: 'lanyard',
          flow: refreshFlow(lanyardUrl, benchClient, rpUsers),
        });
      await measure(opGroup, ORCID_SLICES);
    }
  }

  await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
  const idleAfterLoad = (await metricsOf('lanyard')).memory.rss;
  const run: RunRecord = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: availableParallelism(),
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg(),
    },
    database: databaseUrl ? 'postgresql' : 'embedded (PGlite)',
    settings: {
      vus,
      durationSeconds: durationMs / 1000,
      warmupSeconds: warmupMs / 1000,
      returningUsers: users.returning.length,
      privateEmailUsers: users.privateEmail.length,
      passwordAccounts: PASSWORD_ACCOUNTS,
      extraLanyardEnv: args['lanyard-env']!.join(' '),
    },
    idleRss: { afterStart: idleAfterStart, afterLoad: idleAfterLoad },
    phases,
    soak,
    wallSeconds: (performance.now() - t0) / 1000,
  };
  mkdirSync(RESULTS, { recursive: true });
  const stamp = run.date.replace(/[:.]/g, '-');
  const file = join(RESULTS, `${args.soak ? 'soak' : 'bench'}-${stamp}.json`);
  writeFileSync(file, JSON.stringify(run, null, 2));
  const report = renderReport(run);
  writeFileSync(file.replace(/\.json$/, '.md'), `${report}\n`);
  process.stdout.write(`\n${report}\n\nSaved ${file} (and .md).\n`);
  if (args.profile)
    log(
      `CPU profile of Lanyard: ${profileDir} (written when Lanyard exits). Summarise: npx tsx bench/profile-summary.ts <file>`,
    );
  const missed = checkFloors(run).filter((c) => !c.met).length;
  if (missed) log(`${missed} floor(s) of docs/design.md §7 not met (see docs/performance.md)`);
}

/** 1,000 sign-ins, RSS; then on to `soakSignIns`, RSS every tenth; each reading after a 2 s pause. */
async function runSoak(flow: Flow, metrics: () => Promise<ProcessMetrics>): Promise<SoakPoint[]> {
  const points: SoakPoint[] = [];
  const marks = [1000, ...Array.from({ length: 10 }, (_, i) => Math.round(((i + 1) * soakSignIns) / 10))].filter(
    (n, i, a) => n >= 1000 && a.indexOf(n) === i,
  );
  let done = 0;
  for (const mark of marks) {
    const r = await runPhase(flow, { vus, durationMs: 30 * 60_000, maxIterations: mark - done });
    done += r.completed;
    if (r.errors) log(`soak errors: ${JSON.stringify(r.errorKinds)}`);
    await new Promise((res) => setTimeout(res, 2000));
    const m = await metrics();
    points.push({ signIns: done, rss: m.memory.rss, heapUsed: m.memory.heapUsed ?? 0 });
    log(
      `soak: ${done.toLocaleString('en')} sign-ins (${r.throughput.toFixed(0)}/s), RSS ${(m.memory.rss / 2 ** 20).toFixed(0)} MB, heap ${((m.memory.heapUsed ?? 0) / 2 ** 20).toFixed(0)} MB`,
    );
  }
  return points;
}

try {
  if (args.processes) {
    const maxProcesses = Number(args.processes);
    if (!(maxProcesses >= 1 && maxProcesses <= 8)) throw new Error('--processes must be 1–8');
    await runProcessesBench({
      maxProcesses,
      durationMs,
      warmupMs,
      vus,
      pgAdminUrl: args.pg!,
      flows,
      extraEnv: Object.fromEntries(
        args['lanyard-env']!.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      ),
      work,
      freePort,
      log,
    });
  } else await main();
} catch (e) {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
  for (const c of children) console.error(`--- last output of ${c.name} ---\n${c.output.slice(-3000)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  log('done; every process it started has stopped');
  clearTimeout(watchdog);
}
