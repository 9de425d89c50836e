import { canonicalEmail } from '../../accounts/email-address.js';
import { loadConfig } from '../../config/load.js';
import { findAccountByEmail } from '../../stores/accounts.js';
import { type Command, expectArgs, say } from '../command.js';
import { withDatabase } from '../database.js';
import { describeAccount } from '../print-account.js';

/**
 * `accounts show <email>`: the account with that email (in canonical form), its identities and audit
 * trail. Not parsed as a new address would be: an operator must be able to find an account stored
 * before the canonical form with an address the parser now refuses (docs/security.md).
 */
export const accountsShow: Command = {
  usage: 'accounts show <email>',
  summary: 'Show an account by email: identities and recent audit events.',
  async run(args, io) {
    const [input] = expectArgs(args, ['email']);
    const email = canonicalEmail(input!);
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
