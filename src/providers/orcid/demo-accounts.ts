import type { Lanyard } from '../../lanyard.js';
import { createAccount, findAccountByEmail } from '../../stores/accounts.js';
import { setPasswordHash } from '../../stores/identities.js';

/** The password every demo account uses (README: "Try every case"). */
export const DEMO_PASSWORD = 'demo password';

/**
 * Password accounts the README's linking cases start from, each paired with an emulator user:
 * Grace Hopper's verified ORCID email is Grace's address here (auto-link), Ada Lovelace types Ada
 * King's address (review), Marie Curie signs in to Maria Skłodowska's account (sign in to link).
 */
const demoAccounts = [
  { email: 'grace.hopper@example.edu', given_name: 'Grace', family_name: 'Hopper' },
  { email: 'ada.king@example.org', given_name: 'Augusta Ada', family_name: 'King' },
  { email: 'm.sklodowska@example.pl', given_name: 'Maria', family_name: 'Skłodowska' },
];

/**
 * Demo mode only (embedded database and the built-in ORCID emulator): creates the demo accounts
 * that are missing, so the walkthrough works on a fresh `./data` without registering first.
 */
export async function seedDemoAccounts(lanyard: Lanyard): Promise<void> {
  let hash: string | undefined;
  for (const a of demoAccounts) {
    if (await findAccountByEmail(lanyard.db, a.email)) continue;
    const now = lanyard.clock.now();
    // One argon2id hash for all three (a salt per account matters nowhere for a published password).
    const passwordHash = (hash ??= await lanyard.hasher.hash(DEMO_PASSWORD));
    await lanyard.db.transaction().execute(async (tx) => {
      const account = await createAccount(tx, { ...a, email_verified_at: now, locale: 'en' }, now);
      await setPasswordHash(tx, account.id, passwordHash, now);
    });
  }
}
