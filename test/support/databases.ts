import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type Backend = 'pglite' | 'postgres';

/** Backends every database-touching suite runs against (LANYARD_TEST_DB=pglite|postgres narrows it). */
export function backends(): Backend[] {
  const only = process.env.LANYARD_TEST_DB;
  if (only === 'pglite' || only === 'postgres') return [only];
  return ['pglite', 'postgres'];
}

export const adminUrl = () => process.env.LANYARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<string | null> | undefined;

/** null when PostgreSQL answers, else the reason. Under CI=true an unreachable server is a failure, never a skip. */
export function postgresProblem(): Promise<string | null> {
  reachable ??= (async () => {
    // Generous: a refused connection fails at once anyway; a slow one on a loaded machine is not a missing server.
    const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 60_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return null;
    } catch (e) {
      return `PostgreSQL at ${adminUrl()} is unreachable: ${(e as Error).message}`;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

/** A fresh, empty database for one test app; dropped by the returned function. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const problem = await postgresProblem();
  if (problem) throw new Error(problem);
  const name = `lanyard_t_${randomBytes(6).toString('hex')}`;
  // Bounded, so that a server that stops answering fails this suite with its reason here rather
  // than holding the file until the runner's 15-minute limit without a word.
  const bounds = { connectionTimeoutMillis: 120_000, statement_timeout: 180_000, query_timeout: 200_000 };
  const admin = new pg.Client({ connectionString: adminUrl(), ...bounds });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl(), ...bounds });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * Why a backend's suite cannot run here, or null. Outside CI a missing PostgreSQL skips its suite
 * with the reason printed; under CI=true it returns null so the suite runs and fails loudly.
 */
export async function skipReason(backend: Backend): Promise<string | false> {
  if (backend === 'pglite') return false;
  const problem = await postgresProblem();
  if (!problem) return false;
  if (process.env.CI === 'true') return false;
  return `${problem} (set CI=true to make this a failure)`;
}
