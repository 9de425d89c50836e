import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { lockDataDir } from './data-dir-lock.js';
import { PGliteDialect } from './pglite-dialect.js';

export type Db = Kysely<Database>;

const INT8 = 20;
// Align both backends on the same JS types: int8 (count(*)) as number, timestamptz as Date, jsonb parsed.
const int8 = (v: string) => Number(v);

/**
 * PostgreSQL through `pg` when a URL is given, else PGlite in `dataDir` (or in memory for
 * `memory://`). A data directory is this process's until the database is destroyed; while another
 * process has it open, opening it is refused with DATA_DIR_IN_USE (src/db/data-dir-lock.ts).
 */
export async function connectDatabase(opts: {
  databaseUrl: string | null;
  dataDir: string;
  poolSize?: number;
  /** For `memory://`: start from this data-directory image (a migrated database) instead of an empty one. */
  image?: Blob;
  /** Told once when a pooler refuses prepared statements (see `preparedStatement`). */
  onPreparedStatementsRefused?: (error: Error) => void;
}): Promise<Db> {
  if (opts.databaseUrl) {
    const prepared = { refused: false };
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
    pool.on('connect', (client) => {
      client.on('error', () => {});
      prepareMarked(client, prepared, opts.onPreparedStatementsRefused);
    });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const inMemory = opts.dataDir === 'memory://';
  if (!inMemory) mkdirSync(opts.dataDir, { recursive: true });
  const lock = inMemory ? undefined : await lockDataDir(opts.dataDir);
  const parsers = { [INT8]: int8 };
  // PGlite's PostgreSQL lives in this process's memory, and initialises all of its shared buffers
  // at start: its default of 128 MB (a server's, sized for a machine of its own) is 128 MB of
  // resident memory before the first query. An embedded database is one person's demo or a
  // test's: 16 MB holds it whole (a migrated one is about 8 MB on disk, catalogues included).
  const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];
  const pglite = inMemory
    ? new PGlite({ parsers, startParams, ...(opts.image ? { loadDataDir: opts.image } : {}) })
    : new PGlite(join(opts.dataDir, 'pglite'), { parsers, startParams });
  if (lock) {
    // A database that fails to open (damaged files) gives its lock back at once.
    try {
      await pglite.waitReady;
    } catch (e) {
      lock.release();
      throw e;
    }
  }
  return new Kysely<Database>({ dialect: new PGliteDialect(pglite, () => lock?.release()) });
}

const marker = '/* lanyard_';

/**
 * A statement run on nearly every request, to be prepared once per database connection: PostgreSQL
 * then parses and plans it once, not on every call — for a statement of several data-modifying
 * `WITH` parts, planning is most of the database's CPU. Build it once (at module load) and call it
 * with the parameters. The name is a hash of the text, so one name always means one text, also
 * across processes and versions that share a pooler.
 *
 * Only for a statement run on its own, outside a transaction: behind a pooler in transaction mode
 * that does not track prepared statements (PgBouncer before 1.21), the first refusal — the
 * statement missing on the server connection the pooler picked, or already there from another
 * client — makes the pool stop preparing, and the statement is sent again unprepared. A refused
 * Parse or Bind has run nothing, but inside a transaction it would have aborted the transaction.
 * PGlite runs the text as it is (the name is an SQL comment).
 */
export function preparedStatement(text: string): (parameters: readonly unknown[]) => CompiledQuery {
  const marked = `${marker}${createHash('sha256').update(text).digest('hex').slice(0, 24)} */ ${text}`;
  return (parameters) => CompiledQuery.raw(marked, [...parameters]);
}

// 26000: no such prepared statement (Bind on a server connection that never saw the Parse);
// 42P05: a prepared statement of that name exists (Parse where another client prepared it).
const POOLER_REFUSALS = new Set(['26000', '42P05']);
// 0A000 "cached plan must not change result type".
const PLAN_CHANGED = '0A000';

/** Sends `preparedStatement`'s texts as named statements, until a pooler refuses them once. */
function prepareMarked(
  client: pg.PoolClient,
  state: { refused: boolean },
  onRefused: ((error: Error) => void) | undefined,
): void {
  const query = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult>;
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    if (state.refused || typeof text !== 'string' || !text.startsWith(marker) || args.length > 2) return query(...args);
    const name = text.slice(3, text.indexOf(' */'));
    return query({ name, text, values }).catch((e: unknown) => {
      const code = (e as { code?: string }).code ?? '';
      // The statement's result changed under it (a column type altered by a migration while this
      // process runs): this call goes unprepared, as nothing ran.
      if (code === PLAN_CHANGED) return query(text, values);
      if (!POOLER_REFUSALS.has(code)) throw e;
      if (!state.refused) onRefused?.(e as Error);
      state.refused = true;
      return query(text, values);
    });
  }) as typeof client.query;
}
