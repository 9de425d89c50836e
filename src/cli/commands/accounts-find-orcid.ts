import { loadConfig } from '../../config/load.js';
import { findAccountById } from '../../stores/accounts.js';
import { findIdentity } from '../../stores/identities.js';
import { type Command, expectArgs, say, UsageError } from '../command.js';
import { withDatabase } from '../database.js';
import { describeAccount } from '../print-account.js';

/**
 * An ORCID iD as stored (`0000-0002-1825-0097`), from the bare iD or its https://orcid.org/ URI
 * (sandbox too). The last character is an ISO 7064 11,2 check digit (ORCID's "Structure of the
 * ORCID Identifier"), so a mistyped iD is named as such instead of reported as unknown.
 */
export function parseOrcidId(input: string): string | null {
  const id = input
    .trim()
    .replace(/^https?:\/\/(sandbox\.)?orcid\.org\//i, '')
    .toUpperCase();
  if (!/^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/.test(id)) return null;
  const digits = id.replace(/-/g, '');
  let total = 0;
  for (const d of digits.slice(0, -1)) total = (total + Number(d)) * 2;
  const check = (12 - (total % 11)) % 11;
  return digits.endsWith(check === 10 ? 'X' : String(check)) ? id : null;
}

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
