import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db } from './connect.js';
import * as initial from './migrations/0001-initial.js';

const migrations: Record<string, Migration> = {
  '0001-initial': initial,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Applies pending migrations. Kysely's PostgreSQL adapter takes a transaction-scoped advisory
 * lock first, so several Lanyard processes starting at once apply each migration exactly once.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when every known migration has been applied (used by /readyz). */
export async function migrationsApplied(db: Db): Promise<boolean> {
  const all = await new Migrator({ db, provider }).getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}
