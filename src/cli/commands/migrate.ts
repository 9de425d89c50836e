import { loadConfig } from '../../config/load.js';
import { migrateToLatest } from '../../db/migrate.js';
import { type Command, expectArgs, say } from '../command.js';
import { withDatabase } from '../database.js';

/** `migrate`: applies pending schema migrations (safe to run from several processes at once). */
export const migrate: Command = {
  usage: 'migrate',
  summary: 'Apply pending database migrations.',
  async run(args, io) {
    expectArgs(args, []);
    const applied = await withDatabase(loadConfig(io.env), migrateToLatest, { migrated: false });
    say(io.stdout, applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
    return 0;
  },
};
