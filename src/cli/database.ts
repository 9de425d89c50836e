import type { Config } from '../config/schema.js';
import { connectDatabase, type Db } from '../db/connect.js';
import { migrationsApplied } from '../db/migrate.js';
import { CommandFailed } from './command.js';

/**
 * Opens the configured database for one command and closes it afterwards. Only `migrate` changes
 * the schema: the others refuse to run on a database that is behind, rather than migrate it as a
 * side effect of a lookup.
 */
export async function withDatabase<T>(
  config: Config,
  fn: (db: Db) => Promise<T>,
  opts: { migrated?: boolean } = {},
): Promise<T> {
  const db = await connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    if (opts.migrated !== false && !(await migrationsApplied(db))) {
      throw new CommandFailed(
        'The database is not migrated to this version of Lanyard. Fix: run `npx lanyard migrate` first.',
      );
    }
    return await fn(db);
  } finally {
    await db.destroy();
  }
}
