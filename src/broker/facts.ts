import type { Db } from '../db/connect.js';
import type { Account } from '../db/schema.js';
import type { ExternalProfile } from '../providers/profile.js';
import { findAccountByEmail } from '../stores/accounts.js';
import type { AccountFacts, BrokerFacts } from './decide.js';
import { verifiedEmail } from './decide.js';

async function accountFacts(db: Db, account: Account | undefined, provider: string): Promise<AccountFacts | null> {
  if (!account) return null;
  const other = await db
    .selectFrom('identity')
    .select('id')
    .where('account_id', '=', account.id)
    .where('provider', '=', provider)
    .executeTakeFirst();
  return {
    id: account.id,
    active: account.status === 'active' && account.can_log_in,
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
  const email = ownerRow ? null : verifiedEmail(profile);
  const emailAccount = email ? await findAccountByEmail(db, email) : undefined;
  return {
    intent,
    // The owner's row, for the session a sign-in starts in the same transaction (not for `decide`).
    ownerAccount: ownerRow ?? null,
    identityOwner: ownerRow
      ? {
          id: ownerRow.id,
          active: ownerRow.status === 'active' && ownerRow.can_log_in,
          emailVerified: ownerRow.email_verified_at !== null,
          hasProvider: true,
        }
      : null,
    signedIn: await accountFacts(db, signedInAccount ?? undefined, profile.provider),
    emailOwner: await accountFacts(db, emailAccount, profile.provider),
  };
}
