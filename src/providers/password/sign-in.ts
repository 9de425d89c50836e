import type { Account } from '../../db/schema.js';
import type { Lanyard } from '../../lanyard.js';
import { findAccountByEmail } from '../../stores/accounts.js';

/**
 * Checks an email and password. An unknown email is verified against a dummy hash, so the
 * answer takes as long as for a known one (product.md §4: no enumeration by timing).
 */
export async function verifyPasswordSignIn(lanyard: Lanyard, email: string, password: string): Promise<Account | null> {
  const account = await findAccountByEmail(lanyard.db, email);
  const identity = account
    ? await lanyard.db
        .selectFrom('identity')
        .select('password_hash')
        .where('account_id', '=', account.id)
        .where('provider', '=', 'password')
        .executeTakeFirst()
    : undefined;
  const ok = await lanyard.hasher.verify(identity?.password_hash, password.slice(0, 1024));
  if (!ok || !account || account.status !== 'active' || !account.can_log_in) return null;
  return account;
}
