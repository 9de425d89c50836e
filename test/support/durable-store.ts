import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import type { TestClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger, type Lanyard, openLanyard } from '../../src/lanyard.js';
import { type Backend, backends, freshPostgresDatabase, skipReason } from './databases.js';
import type { MailCatcher } from './mail-catcher.js';
import { testEnv } from './test-app.js';

/** A database that outlives the Lanyard using it: a fresh PostgreSQL database, or PGlite in a temp folder. */
export interface DurableStore {
  env: Record<string, string>;
  remove(): Promise<void>;
}

export async function durableStore(backend: Backend): Promise<DurableStore> {
  if (backend === 'postgres') {
    const pg = await freshPostgresDatabase();
    return { env: { LANYARD_DATABASE_URL: pg.url }, remove: pg.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'lanyard-pglite-'));
  return { env: { LANYARD_DATA_DIR: dir }, remove: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** A Lanyard process's worth of services (outbox worker running) on `store`, mailing to `mail`. */
export function openOn(store: DurableStore, mail: MailCatcher, clock: TestClock): Promise<Lanyard> {
  const config = loadConfig({ ...testEnv(mail.url), ...store.env });
  return openLanyard(config, { clock, log: createLogger(config.logLevel), mailPollMs: 100 });
}

/**
 * Runs `body` once per backend for suites that start and stop Lanyards themselves (forEachBackend
 * gives one app for the whole suite). Skips a backend that cannot run here, never under CI=true.
 */
export function eachBackend(name: string, body: (backend: Backend) => void): void {
  for (const backend of backends()) {
    describe(`${name} [${backend}]`, async () => {
      const reason = await skipReason(backend);
      describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => body(backend));
    });
  }
}
