import type { Db } from '../db/connect.js';
import type { Account } from '../db/schema.js';
import { type ExternalProfile, primaryVerifiedEmail } from '../providers/profile.js';
import { canSignIn, findAccountByEmail } from '../stores/accounts.js';
import { identityOf } from '../stores/identities.js';
import type { AccountFacts, BrokerFacts } from './decide.js';

async function accountFacts(db: Db, account: Account | undefined, provider: string): Promise<AccountFacts | null> {
  if (!account) return null;
  const other = await identityOf(db, account.id, provider);
  return {
    id: account.id,
    active: canSignIn(account),
    emailVerified: account.email_verified_at !== null,
    hasProvider: other !== undefined,
    merged: account.merged_into !== null,
  };
}

/**
 * The account of the provider's verified addresses — the primary one's, else the first other
 * verified address an account uses. ORCID lists every verified address the person made visible;
 * an account under the second one is the same person's as under the first, so looking only at
 * the primary offered "Create my account" beside the account that already was theirs.
 */
async function accountOfVerifiedEmails(db: Db, emails: ExternalProfile['emails']): Promise<Account | undefined> {
  const primary = primaryVerifiedEmail(emails);
  if (!primary) return undefined;
  const addresses = [primary.address, ...emails.filter((e) => e.verified).map((e) => e.address)];
  for (const address of new Set(addresses)) {
    const account = await findAccountByEmail(db, address);
    if (account) return account;
  }
  return undefined;
}

/**
 * Reads what the store knows for the decision: the identity's owner, the signed-in account, the
 * email's owner. The email's owner is looked up only for an unknown identity: `decide` never reads
 * it otherwise, and a returning sign-in (the common case) saves two queries.
 */
export async function gatherFacts(
  db: Db,
  profile: ExternalProfile,
  intent: BrokerFacts['intent'],
  signedInAccount: Account | null,
): Promise<BrokerFacts & { ownerAccount: Account | null }> {
  const ownerRow = await db
    .selectFrom('identity')
    .innerJoin('account', 'account.id', 'identity.account_id')
    .selectAll('account')
    .where('identity.provider', '=', profile.provider)
    .where('identity.subject', '=', profile.subject)
    .executeTakeFirst();
  const emailAccount = ownerRow ? undefined : await accountOfVerifiedEmails(db, profile.emails);
  return {
    intent,
    // The owner's row, for the session a sign-in starts in the same transaction (not for `decide`).
    ownerAccount: ownerRow ?? null,
    identityOwner: ownerRow
      ? {
          id: ownerRow.id,
          active: canSignIn(ownerRow),
          emailVerified: ownerRow.email_verified_at !== null,
          hasProvider: true,
        }
      : null,
    signedIn: await accountFacts(db, signedInAccount ?? undefined, profile.provider),
    emailOwner: await accountFacts(db, emailAccount, profile.provider),
  };
}
