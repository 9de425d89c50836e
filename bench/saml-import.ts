// `npx tsx bench/saml-import.ts [--idps N] [--mb M] [--pg URL] [--embedded] [--keep DIR]` — issue 11:
// how long importing a federation aggregate takes and how much memory it needs. Generates a signed
// aggregate (default 8,000 IdPs, padded with SPs to 70 MB, like eduGAIN's), then, each in a fresh
// process: xmlsec1's signature check (time, peak RSS via /usr/bin/time), and Lanyard's import
// (verify + stream-parse + insert, as a refresh does) into PostgreSQL or PGlite (time, peak RSS).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { systemClock } from '../src/clock.js';
import { connectDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { countIdps, searchIdps } from '../src/providers/saml/catalogue.js';
import { refreshMetadata } from '../src/providers/saml/metadata/refresh.js';
import { xmlsec1Binary } from '../src/providers/saml/metadata/verify.js';
import { signWithXmlsec1, writeAggregate } from '../test/support/federation.js';
import { samlEntry } from '../test/support/saml.js';
import { testKeys } from '../test/support/saml-idp.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    idps: { type: 'string', default: '8000' },
    mb: { type: 'string', default: '70' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    embedded: { type: 'boolean', default: false },
    keep: { type: 'string' },
  },
});

/** The child: one import into a fresh database, reporting its own figures as JSON. */
async function measureImport(file: string, certFile: string): Promise<void> {
  const pg = args.embedded ? null : args.pg;
  let dbName: string | null = null;
  let url: string | null = null;
  if (pg) {
    const { default: pgLib } = await import('pg');
    dbName = `lanyard_bench_saml_${process.pid}`;
    const admin = new pgLib.Client({ connectionString: pg });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const u = new URL(pg);
    u.pathname = `/${dbName}`;
    url = u.href;
  }
  const db = await connectDatabase({ databaseUrl: url, dataDir: 'memory://' });
  await migrateToLatest(db);
  const before = process.memoryUsage().rss;
  const entry = samlEntry({
    id: 'fed',
    source: {
      kind: 'federation',
      url: null,
      file,
      certificate: (await import('node:fs')).readFileSync(certFile, 'utf8'),
    },
  });
  const started = process.hrtime.bigint();
  const result = await refreshMetadata({ db, clock: systemClock, log: pino({ level: 'warn' }) }, entry, true);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const searchStarted = process.hrtime.bigint();
  const found = await searchIdps(db, 'fed', 'univ 12', 50);
  const searchMs = Number(process.hrtime.bigint() - searchStarted) / 1e6;
  const report = {
    result: result.outcome,
    idps: await countIdps(db, 'fed'),
    seconds,
    rssBeforeMB: before / 1e6,
    // maxRSS is in KiB; both figures in MB (10^6 bytes).
    peakRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6,
    searchMs,
    searchTotal: found.total,
  };
  await db.destroy();
  if (pg && dbName) {
    const { default: pgLib } = await import('pg');
    const admin = new pgLib.Client({ connectionString: pg });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function main(): Promise<void> {
  if (positionals[0] === 'child') return measureImport(positionals[1]!, positionals[2]!);
  const dir = args.keep ? resolve(args.keep) : mkdtempSync(join(tmpdir(), 'lanyard-bench-saml-'));
  const unsigned = join(dir, 'aggregate.unsigned.xml');
  const file = join(dir, 'aggregate.xml');
  const certFile = join(dir, 'federation.crt');
  const keys = testKeys(0);
  writeFileSync(certFile, keys.certificate);
  let t = Date.now();
  const { idps } = await writeAggregate(unsigned, {
    idps: Number(args.idps),
    targetBytes: Number(args.mb) * 1024 * 1024,
  });
  await signWithXmlsec1(unsigned, file, keys);
  const mb = statSync(file).size / 1024 / 1024;
  console.log(`aggregate: ${idps} IdPs, ${mb.toFixed(1)} MB (generated and signed in ${(Date.now() - t) / 1000} s)`);

  t = Date.now();
  const timed = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%M %e',
      xmlsec1Binary(),
      '--verify',
      '--pubkey-cert-pem',
      certFile,
      '--id-attr:ID',
      'urn:oasis:names:tc:SAML:2.0:metadata:EntitiesDescriptor',
      file,
    ],
    { encoding: 'utf8' },
  );
  const [kb, secs] = timed.stderr.trim().split('\n').at(-1)!.split(' ');
  console.log(
    `xmlsec1 --verify: ${secs} s, peak RSS ${((Number(kb) * 1024) / 1e6).toFixed(0)} MB (exit ${timed.status})`,
  );

  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/saml-import.ts',
      'child',
      file,
      certFile,
      ...(args.embedded ? ['--embedded'] : ['--pg', args.pg!]),
    ],
    {
      encoding: 'utf8',
      maxBuffer: 1024 * 1024,
    },
  );
  const report = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number | string>;
  console.log(
    `import into ${args.embedded ? 'PGlite' : 'PostgreSQL'} (verify + stream-parse + insert): ${Number(report.seconds).toFixed(1)} s, ` +
      `${report.idps} IdPs; Node RSS ${Number(report.rssBeforeMB).toFixed(0)} MB before, peak ${Number(report.peakRssMB).toFixed(0)} MB; ` +
      `a discovery search over them: ${Number(report.searchMs).toFixed(1)} ms (${report.searchTotal} matches)`,
  );
  console.log(
    `machine load average during the run: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  if (!args.keep) rmSync(dir, { recursive: true, force: true });
}

await main();
