import { loadConfig } from '../../config/load.js';
import { findAccountByEmail } from '../../stores/accounts.js';
import { type Command, emailArg, expectArgs, say } from '../command.js';
import { withDatabase } from '../database.js';
import { describeAccount } from '../print-account.js';

/** `accounts show <email>`: the account with that email (case-insensitive), its identities and audit trail. */
export const accountsShow: Command = {
  usage: 'accounts show <email>',
  summary: 'Show an account by email: identities and recent audit events.',
  async run(args, io) {
    const [input] = expectArgs(args, ['email']);
    const email = emailArg(input!);
    return withDatabase(loadConfig(io.env), async (db) => {
      const account = await findAccountByEmail(db, email);
      if (!account) {
        say(io.stderr, `No account has the email ${email}.`);
        return 1;
      }
      say(io.stdout, ...(await describeAccount(db, account)));
      return 0;
    });
  },
};
