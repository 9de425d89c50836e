import type { Account } from '../../db/schema.js';
import type { Lanyard } from '../../lanyard.js';
import { canSignIn, type PasswordAccount } from '../../stores/accounts.js';

/**
 * Checks a password against the account the email named (read by the throttle's check, with its
 * hash). An unknown email is verified against a dummy hash, so the answer takes as long as for a
 * known one (docs/design.md §4: no enumeration by timing).
 */
export async function verifyPasswordSignIn(
  lanyard: Lanyard,
  row: PasswordAccount | null,
  password: string,
): Promise<Account | null> {
  const ok = await lanyard.hasher.verify(row?.password_hash, password.slice(0, 1024));
  if (!ok || !row) return null;
  const { password_hash: _hash, known_address: _known, ...account } = row;
  if (!canSignIn(account)) return null;
  return account;
}
