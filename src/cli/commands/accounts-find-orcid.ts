import { parseOrcidId } from '../../accounts/orcid-id.js';
import { loadConfig } from '../../config/load.js';
import { findAccountById } from '../../stores/accounts.js';
import { findIdentity } from '../../stores/identities.js';
import { type Command, expectArgs, say, UsageError } from '../command.js';
import { withDatabase } from '../database.js';
import { describeAccount } from '../print-account.js';

export { parseOrcidId };

/** `accounts find-orcid <iD>`: the account an ORCID iD is linked to. */
export const accountsFindOrcid: Command = {
  usage: 'accounts find-orcid <iD>',
  summary: 'Show the account an ORCID iD is linked to.',
  async run(args, io) {
    const [input] = expectArgs(args, ['iD']);
    const orcid = parseOrcidId(input!);
    if (!orcid)
      throw new UsageError(
        `"${input}" is not an ORCID iD (like 0000-0002-1825-0097 or https://orcid.org/0000-0002-1825-0097)`,
      );
    return withDatabase(loadConfig(io.env), async (db) => {
      const identity = await findIdentity(db, 'orcid', orcid);
      const account = identity && (await findAccountById(db, identity.account_id));
      if (!account) {
        say(io.stderr, `No account is linked to ORCID iD ${orcid}.`);
        return 1;
      }
      say(io.stdout, ...(await describeAccount(db, account)));
      return 0;
    });
  },
};
