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
  };
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
  const email = ownerRow ? null : (primaryVerifiedEmail(profile.emails)?.address ?? null);
  const emailAccount = email ? await findAccountByEmail(db, email) : undefined;
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
