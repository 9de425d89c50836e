import type { Account } from '../../db/schema.js';
import type { Lanyard } from '../../lanyard.js';
import { canonicalEmail } from '../../accounts/email-address.js';
import { canSignIn } from '../../stores/accounts.js';

/**
 * Checks an email and password. An unknown email is verified against a dummy hash, so the
 * answer takes as long as for a known one (docs/design.md §4: no enumeration by timing).
 */
export async function verifyPasswordSignIn(lanyard: Lanyard, email: string, password: string): Promise<Account | null> {
  // The account and its password hash in one round trip.
  const row = await lanyard.db
    .selectFrom('account')
    .leftJoin('identity', (join) =>
      join.onRef('identity.account_id', '=', 'account.id').on('identity.provider', '=', 'password'),
    )
    .selectAll('account')
    .select('identity.password_hash as password_hash')
    .where('account.email', '=', canonicalEmail(email))
    .executeTakeFirst();
  const ok = await lanyard.hasher.verify(row?.password_hash, password.slice(0, 1024));
  if (!ok || !row) return null;
  const { password_hash: _hash, ...account } = row;
  if (!canSignIn(account)) return null;
  return account;
}
