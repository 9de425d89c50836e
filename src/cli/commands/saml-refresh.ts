import pino from 'pino';
import { systemClock } from '../../clock.js';
import { loadConfig } from '../../config/load.js';
import type { SamlEntry } from '../../providers/saml/config.js';
import { type RefreshResult, refreshMetadata, sourceOf } from '../../providers/saml/metadata/refresh.js';
import { type Command, CommandFailed, say, UsageError } from '../command.js';
import { withDatabase } from '../database.js';

/** One line per entry: what the refresh did, or why it failed and what stays in use. */
export function describeRefresh(entry: SamlEntry, result: RefreshResult): string {
  switch (result.outcome) {
    case 'imported':
      return `${entry.id}: imported ${result.idps} IdP${result.idps === 1 ? '' : 's'} in ${result.seconds.toFixed(1)} s${
        result.validUntil ? ` (valid until ${result.validUntil.toISOString()})` : ''
      }`;
    case 'unchanged':
      return `${entry.id}: unchanged`;
    case 'busy':
      return `${entry.id}: busy: another process is importing this metadata now; try again when it is done`;
    case 'failed':
      return `${entry.id}: failed: ${result.error}; ${
        result.kept ? `the last good copy (${result.kept} IdPs) stays in use` : 'no copy was imported before'
      }`;
  }
}

/**
 * `saml refresh [id]`: fetches the metadata of every `saml` entry (or the one named) now and
 * imports it when it changed, as the running service does every `refreshMinutes`. A failure keeps
 * the last good copy and makes the exit code 1, so a cron job or a deploy script notices.
 */
export const samlRefresh: Command = {
  usage: 'saml refresh [id]',
  summary: 'Fetch the IdP or federation metadata of every saml provider (or the one named) now, and import it.',
  async run(args, io) {
    if (args.length > 1) throw new UsageError(`unexpected argument "${args[1]}"`);
    const config = loadConfig(io.env);
    const entries = config.providers.filter((p): p is SamlEntry => p.type === 'saml');
    const wanted = args[0];
    const chosen = wanted ? entries.filter((e) => e.id === wanted) : entries;
    if (!chosen.length)
      throw new CommandFailed(
        wanted
          ? `No saml provider has the id "${wanted}"${entries.length ? `; the saml providers are: ${entries.map((e) => e.id).join(', ')}` : ''}.`
          : 'No saml provider is configured: there is no metadata to refresh.',
      );
    return withDatabase(config, async (db) => {
      // The outcome is printed here; the log would only repeat it.
      const deps = { db, clock: systemClock, log: pino({ level: 'silent' }) };
      let code = 0;
      for (const entry of chosen) {
        say(io.stdout, `${entry.id}: fetching ${sourceOf(entry)}`);
        const result = await refreshMetadata(deps, entry);
        say(io.stdout, describeRefresh(entry, result));
        if (result.outcome === 'failed' || result.outcome === 'busy') code = 1;
      }
      return code;
    });
  },
};
