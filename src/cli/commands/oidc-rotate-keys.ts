import { loadConfig } from '../../config/load.js';
import { PREPUBLISH_SECONDS, rotateProviderKeys } from '../../openid-provider/keys.js';
import { type Command, say, UsageError } from '../command.js';
import { withDatabase } from '../database.js';

/**
 * `oidc rotate-keys`: new ID-token signing keys (RS256 and ES256), published at once and signing in
 * every running Lanyard process 10 minutes later (`--now`: at once); the replaced keys stay in the
 * JWKS until the ID tokens they signed have expired. `--compromised`: the new keys sign at once and
 * the old ones are deleted at once (their ID tokens stop verifying; relying parties that cached the
 * JWKS fail to verify new ID tokens until they fetch it again).
 */
export const oidcRotateKeys: Command = {
  usage: 'oidc rotate-keys [--now|--compromised] [--json]',
  summary: `New OpenID provider signing keys: published at once, signing ${PREPUBLISH_SECONDS / 60} min later (--now: at once); old ones stay published until their ID tokens expire (--compromised: deleted at once).`,
  async run(args, io) {
    for (const arg of args)
      if (!['--now', '--compromised', '--json'].includes(arg)) throw new UsageError(`unexpected argument "${arg}"`);
    if (args.includes('--now') && args.includes('--compromised'))
      throw new UsageError('--compromised already signs at once: leave out --now');
    const config = loadConfig(io.env);
    return withDatabase(config, async (db) => {
      const rotation = await rotateProviderKeys(db, config.secretKeys, new Date(), {
        immediately: args.includes('--now'),
        compromised: args.includes('--compromised'),
      });
      if (args.includes('--json')) say(io.stdout, JSON.stringify(rotation));
      else
        say(
          io.stdout,
          'Signing keys rotated. Every running Lanyard process follows from its next request:',
          ...rotation.keys.map(
            (k) =>
              `  ${k.alg.padEnd(5)} ${k.kid}  ${k.state}${k.signs_from ? `, signs from ${k.signs_from}` : ''}${
                k.published_until ? `, published until ${k.published_until}` : ''
              }`,
          ),
          ...(rotation.dropped.length
            ? [
                args.includes('--compromised')
                  ? 'Deleted at once (every ID token they signed is refused from now on):'
                  : 'Deleted (every ID token they signed has expired):',
                ...rotation.dropped.map((kid) => `  ${kid}`),
              ]
            : []),
        );
      return 0;
    });
  },
};
