import { userInfo } from 'node:os';
import { canonicalEmail } from '../../accounts/email-address.js';
import type { MergePreview } from '../../accounts/merge.js';
import { loadConfig } from '../../config/load.js';
import type { Db } from '../../db/connect.js';
import { isLanyardError } from '../../errors.js';
import { findAccountByEmail, isUuid } from '../../stores/accounts.js';
import { type Command, say, UsageError } from '../command.js';
import { withDatabase } from '../database.js';

/** An account named by its id or its email; undefined when none is. */
async function accountIdOf(db: Db, input: string): Promise<string | undefined> {
  if (isUuid(input)) return input.toLowerCase();
  return (await findAccountByEmail(db, canonicalEmail(input)))?.id;
}

/** The audit trail's actor of a merge from the command line: `cli:` and the OS user who ran it. */
function cliActor(env: NodeJS.ProcessEnv): string {
  let user = env.USER ?? env.LOGNAME ?? env.USERNAME;
  try {
    user ??= userInfo().username;
  } catch {
    // No passwd entry for the uid (a container): the command line is still named.
  }
  return `cli:${user || 'unknown'}`;
}

/** The preview (or result) as lines an operator reads. */
export function describeMerge(p: MergePreview): string[] {
  const names = (a: MergePreview['survivor']) =>
    [a.display_name, [a.given_name, a.family_name].filter(Boolean).join(' ')].filter(Boolean).join(' / ') || '-';
  return [
    p.dryRun ? 'Dry run: nothing changed. Merging would:' : 'Merged:',
    `  survivor   ${p.survivor.id}  ${p.survivor.email}  (keeps its email and names: ${names(p.survivor)})`,
    `  duplicate  ${p.duplicate.id}  ${p.duplicate.email}  (ends disabled; its email and names stay with it: ${names(p.duplicate)})`,
    `  identities moved to the survivor: ${p.identities.length}`,
    ...p.identities.map(
      (i) =>
        `    ${i.provider}  ${i.provider === 'password' ? '(password)' : i.subject}${i.providerTokens ? '  with provider tokens' : ''}`,
    ),
    `  applications' grants of the duplicate revoked: ${p.grants.length}${p.grants.length ? ` (${p.grants.map((g) => g.clientId).join(', ')})` : ''}`,
    `  admin role: ${p.becomesAdmin ? 'the survivor becomes an admin' : 'unchanged'}`,
    `  sessions of the duplicate ended: ${p.sessions}`,
    `  registrations in flight of the duplicate cancelled: ${p.registrations.length}`,
    ...(p.works ? [`  works on an ORCID record moved to the survivor with the iD: ${p.works}`] : []),
    ...(p.writes.queued
      ? [
          `  queued writes to ORCID moved to the survivor: ${p.writes.queued} (${p.writes.ended} asked for by applications end with their grants; they push again)`,
        ]
      : []),
    ...(p.dryRun ? [] : ['  a notice was mailed to both addresses']),
    `  repositories that key users on the OpenID "sub" see the survivor's sub from now on: their record of the duplicate's sub is orphaned`,
  ];
}

/**
 * `accounts merge <survivor> <duplicate> [--dry-run] [--json]`: merges the duplicate account into
 * the survivor (src/accounts/merge.ts), each named by id or email. It asks nothing: run it with
 * --dry-run first to read what would move. A refusal exits 1 with its stable code.
 */
export const accountsMerge: Command = {
  usage: 'accounts merge <survivor> <duplicate> [--dry-run] [--json]',
  summary: 'Merge a duplicate account into a survivor (each by id or email).',
  async run(args, io) {
    const flags = args.filter((a) => a.startsWith('--'));
    const words = args.filter((a) => !a.startsWith('--'));
    for (const f of flags) if (f !== '--dry-run' && f !== '--json') throw new UsageError(`unknown option "${f}"`);
    if (words.length < 2) throw new UsageError(words.length ? 'missing <duplicate>' : 'missing <survivor> <duplicate>');
    if (words.length > 2) throw new UsageError(`unexpected argument "${words[2]}"`);
    const dryRun = flags.includes('--dry-run');
    const json = flags.includes('--json');
    const config = loadConfig(io.env);
    return withDatabase(config, async (db) => {
      const [survivorId, duplicateId] = [await accountIdOf(db, words[0]!), await accountIdOf(db, words[1]!)];
      const missing = !survivorId ? words[0] : !duplicateId ? words[1] : null;
      if (missing !== null) {
        if (json) say(io.stdout, JSON.stringify({ error: 'NOT_FOUND', message: `No account is ${missing}.` }));
        say(io.stderr, `lanyard: NOT_FOUND: no account is ${missing}.`);
        return 1;
      }
      // Loaded here, not at the top: the merge ends OpenID-provider grants, and loading that library
      // for every other command would only slow them (and print its runtime warnings).
      const { mergeAccounts } = await import('../../accounts/merge.js');
      try {
        const result = await mergeAccounts(
          db,
          config.publicUrl,
          { survivorId: survivorId!, duplicateId: duplicateId!, actorAccountId: null, actor: cliActor(io.env), dryRun },
          new Date(),
        );
        say(io.stdout, ...(json ? [JSON.stringify(result)] : describeMerge(result)));
        return 0;
      } catch (e) {
        if (!isLanyardError(e)) throw e;
        if (json) say(io.stdout, JSON.stringify({ error: e.code, message: e.message, ...(e.details ?? {}) }));
        say(io.stderr, `lanyard: ${e.code}: ${e.message}`);
        return 1;
      }
    });
  },
};
