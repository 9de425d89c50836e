// `npx tsx bench/discovery-search.ts [--idps N] [--rounds R] [--pg URL] [--embedded]` — how fast the
// discovery page's search answers over a federation of N IdPs (default 10,000): generates an
// aggregate, imports it (stream-parse + insert, as a refresh does after the signature check) into
// a fresh PostgreSQL database or PGlite, then runs the queries people type, R times each, and
// prints the median, 95th percentile and worst time per query (the search and the match count,
// as one page or type-ahead answer needs them).
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { connectDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { insertIdps, searchIdps } from '../src/providers/saml/catalogue.js';
import { type IdpRecord, MetadataParser } from '../src/providers/saml/metadata/parse.js';
import { writeAggregate } from '../test/support/federation.js';

const { values: args } = parseArgs({
  options: {
    idps: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '30' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    embedded: { type: 'boolean', default: false },
  },
});

/** What people type: a name's start, a city with diacritics, two words, a domain, a scope, a miss, one letter. */
const queries = [
  'univ',
  'kraków',
  'zürich 12',
  'universität łódź',
  'uni4321.example.org',
  'hochschule',
  'xyzzy',
  'u',
  '',
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lanyard-bench-discovery-'));
  let dbName: string | null = null;
  let url: string | null = null;
  const { default: pgLib } = await import('pg');
  if (!args.embedded) {
    dbName = `lanyard_bench_discovery_${process.pid}`;
    const admin = new pgLib.Client({ connectionString: args.pg });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const u = new URL(args.pg!);
    u.pathname = `/${dbName}`;
    url = u.href;
  }
  const db = await connectDatabase({ databaseUrl: url, dataDir: 'memory://' });
  try {
    await migrateToLatest(db);
    const file = join(dir, 'aggregate.xml');
    const { idps } = await writeAggregate(file, { idps: Number(args.idps) });
    let t = Date.now();
    let batch: IdpRecord[] = [];
    const parser = new MetadataParser((idp) => batch.push(idp), new Date());
    for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
      parser.write(chunk as string);
      if (batch.length >= 500) {
        await insertIdps(db, 'fed', batch);
        batch = [];
      }
    }
    parser.end();
    await insertIdps(db, 'fed', batch);
    await sql`analyze saml_idp`.execute(db); // as a refresh does after an import
    console.log(
      `${idps} IdPs imported into ${args.embedded ? 'PGlite' : 'PostgreSQL'} in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
    // Warm up (first query plans, caches), as a running service is.
    for (const q of queries) await searchIdps(db, 'fed', q, 50);
    console.log('query                   matches  median ms  p95 ms  worst ms');
    for (const q of queries) {
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < Number(args.rounds); i++) {
        t = performance.now();
        total = (await searchIdps(db, 'fed', q, 50)).total;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
      console.log(
        `${JSON.stringify(q).padEnd(24)}${String(total).padStart(7)}${at(0.5).toFixed(1).padStart(11)}${at(0.95)
          .toFixed(1)
          .padStart(8)}${times.at(-1)!.toFixed(1).padStart(10)}`,
      );
    }
    console.log(
      `machine load average: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
    if (dbName) {
      const admin = new pgLib.Client({ connectionString: args.pg });
      await admin.connect();
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  }
}

await main();
