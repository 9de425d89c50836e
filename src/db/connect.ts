import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { PGliteDialect } from './pglite-dialect.js';

export type Db = Kysely<Database>;

const INT8 = 20;
// Align both backends on the same JS types: int8 (count(*)) as number, timestamptz as Date, jsonb parsed.
const int8 = (v: string) => Number(v);

/** PostgreSQL through `pg` when a URL is given, else PGlite in `dataDir` (or in memory for `memory://`). */
export async function connectDatabase(opts: {
  databaseUrl: string | null;
  dataDir: string;
  poolSize?: number;
  /** For `memory://`: start from this data-directory image (a migrated database) instead of an empty one. */
  image?: Blob;
}): Promise<Db> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      types: {
        getTypeParser: (oid, format) => (oid === INT8 ? int8 : pg.types.getTypeParser(oid, format)),
      } as pg.CustomTypesConfig,
    });
    // An idle connection the server drops (restart, failover, pg_terminate_backend) is emitted as a
    // pool 'error'; unheard, it crashes the process (node-postgres: "Pool" docs). The pool has
    // already discarded that connection and the next query opens a fresh one, so nothing is lost.
    pool.on('error', () => {});
    // A connection checked out but between statements (inside a transaction, say) is not the pool's
    // to listen to: its 'error' would be uncaught and end the process. The statement that uses it
    // next fails instead ("not queryable"), is answered like any database failure, and the pool
    // drops the connection when it is released.
    pool.on('connect', (client) => client.on('error', () => {}));
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const inMemory = opts.dataDir === 'memory://';
  if (!inMemory) mkdirSync(opts.dataDir, { recursive: true });
  const parsers = { [INT8]: int8 };
  const pglite = inMemory
    ? new PGlite({ parsers, ...(opts.image ? { loadDataDir: opts.image } : {}) })
    : new PGlite(join(opts.dataDir, 'pglite'), { parsers });
  return new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
}
