import { isLanyardError } from '../errors.js';
import { type CliIO, type Command, CommandFailed, commandWords, say, UsageError } from './command.js';
import { accountsMerge } from './commands/accounts-merge.js';
import { accountsFindOrcid } from './commands/accounts-find-orcid.js';
import { accountsShow } from './commands/accounts-show.js';
import { adminCreate } from './commands/admin-create.js';
import { clientsAdd, clientsList, clientsRemove, clientsRotateSecret, clientsShow } from './commands/clients.js';
import { configCheck } from './commands/config-check.js';
import { helpCommand } from './commands/help.js';
import { migrate } from './commands/migrate.js';
import { oidcRotateKeys } from './commands/oidc-rotate-keys.js';
import { samlKeygen } from './commands/saml-keygen.js';
import { samlRefresh } from './commands/saml-refresh.js';

/** Every operator command (`npx lanyard help` lists them in this order). */
export const commands: Command[] = [
  configCheck,
  migrate,
  accountsShow,
  accountsFindOrcid,
  accountsMerge,
  adminCreate,
  samlKeygen,
  samlRefresh,
  clientsAdd,
  clientsList,
  clientsShow,
  clientsRotateSecret,
  clientsRemove,
  oidcRotateKeys,
  helpCommand(() => commands),
];

/** Finds the command whose words start `argv` (the longest match) and runs it; returns the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const matches = commands
    .filter((c) => commandWords(c).every((w, i) => argv[i] === w))
    .sort((a, b) => commandWords(b).length - commandWords(a).length);
  const command = argv.length === 0 ? commands.find((c) => c.usage === 'help') : matches[0];
  if (!command) {
    say(io.stderr, `lanyard: unknown command "${argv.join(' ')}". Run \`npx lanyard help\` for the list.`);
    return 2;
  }
  try {
    return await command.run(argv.slice(commandWords(command).length), io);
  } catch (e) {
    if (e instanceof UsageError) {
      say(io.stderr, `lanyard ${commandWords(command).join(' ')}: ${e.message}`, `usage: npx lanyard ${command.usage}`);
      return 2;
    }
    say(
      io.stderr,
      isLanyardError(e) || e instanceof CommandFailed
        ? `lanyard: ${e.message}`
        : `lanyard: ${(e as Error).stack ?? String(e)}`,
    );
    return 1;
  }
}
