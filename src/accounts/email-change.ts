import type { Db } from '../db/connect.js';
import type { Account, Registration } from '../db/schema.js';
import { LanyardError } from '../errors.js';
import type { Locale } from '../i18n/index.js';
import type { Lanyard } from '../lanyard.js';
import type { MailResult } from '../mail/limit.js';
import { canSignIn, findAccountByEmail, findAccountById, updateAccount } from '../stores/accounts.js';
import { recordAudit } from '../stores/audit.js';
import { isUniqueViolation } from '../stores/identities.js';
import { checkRegistrationToken, consumeRegistrationToken, createRegistration } from '../stores/registrations.js';
import { parseEmail } from './email-address.js';
import { localeOf } from './password-accounts.js';

const hours = (s: number) => Math.max(1, Math.round(s / 3600));

/** When an address changed, as the notice to the old address says it: to the minute, in UTC. */
export const changedAt = (now: Date) => `${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Where the link mailed to the new address leads: its confirmation page. */
export const emailChangePath = (token: string) => `/profile/email/${token}`;

/**
 * Step 1 of an email change on /profile (the caller has checked a fresh sign-in): a CHANGE_EMAIL
 * link goes to the new address, counted by the per-address mail limit like every mailed link. An
 * address another account holds gets a mail saying so instead, and the answer is the same — the
 * requester learns nothing about other accounts, as on /register. A newer request ends the
 * account's older links, so only the latest address can be confirmed.
 */
export async function requestEmailChange(
  lanyard: Lanyard,
  account: Account,
  input: string,
  ip: string,
): Promise<{ email: string; mail: MailResult }> {
  const email = parseEmail(input);
  if (email === account.email)
    throw new LanyardError('EMAIL_UNCHANGED', 'This is the address the account has already.', { field: 'email' });
  const { config } = lanyard;
  const mail = await lanyard.db.transaction().execute(async (tx) => {
    const now = lanyard.clock.now();
    // The same event either way: the account's own activity page must not tell whose the address is.
    await recordAudit(
      tx,
      {
        action: 'email_change_requested',
        accountId: account.id,
        actorAccountId: account.id,
        ip,
        detail: { to: email },
      },
      now,
    );
    const holder = await findAccountByEmail(tx, email);
    if (holder) {
      const told = await lanyard.queueMail(tx, 'email_change_taken', email, localeOf(holder), { email });
      if (told.queued) await endEmailChanges(tx, account.id, now);
      return told;
    }
    const { registration, token } = await createRegistration(
      tx,
      { type: 'CHANGE_EMAIL', email, accountId: account.id, mailed: true },
      config.tokenTtl.CHANGE_EMAIL,
      now,
    );
    const sent = await lanyard.queueMail(tx, 'email_change', email, localeOf(account), {
      link: `${config.publicUrl}${emailChangePath(token)}`,
      validHours: hours(config.tokenTtl.CHANGE_EMAIL),
    });
    // A held-back mail never leaves, so its link is ended and the one already on its way still works
    // (what the page then says); a link that went out ends the older ones.
    if (sent.queued) await endEmailChanges(tx, account.id, now, registration.id);
    else await tx.updateTable('registration').set({ expires_at: now }).where('id', '=', registration.id).execute();
    return sent;
  });
  return { email, mail };
}

/** Ends the account's email-change links still open, but `keep`'s. */
async function endEmailChanges(db: Db, accountId: string, now: Date, keep: string | null = null): Promise<void> {
  let q = db
    .updateTable('registration')
    .set({ expires_at: now })
    .where('account_id', '=', accountId)
    .where('type', '=', 'CHANGE_EMAIL')
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now);
  if (keep) q = q.where('id', '!=', keep);
  await q.execute();
}

/**
 * When an account's address changes: links still on their way to the old address (a password
 * reset, say) no longer act for the account.
 */
export async function endLinksOf(db: Db, accountId: string, now: Date): Promise<void> {
  await db
    .updateTable('registration')
    .set({ expires_at: now })
    .where('account_id', '=', accountId)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
}

/**
 * The link's registration, checked without using it up (the confirmation page). Opened in a
 * browser signed in to another account it is refused: confirming would change an account the
 * person at the keyboard is not using.
 */
export async function checkEmailChange(
  db: Db,
  token: string,
  signedIn: Account | null,
  now: Date,
): Promise<Registration> {
  const reg = await checkRegistrationToken(db, token, { types: ['CHANGE_EMAIL'], now });
  if (signedIn && signedIn.id !== reg.account_id)
    throw new LanyardError('EMAIL_CHANGE_OTHER_ACCOUNT', 'This link changes another account than the one signed in.');
  return reg;
}

/**
 * Step 2: the link reached the new address and the account that asked for it is signed in, so the
 * account takes it, verified. Confirmed by whoever holds the link alone, anyone could move their
 * own account to a stranger's address with the stranger's one click. A security notice goes to the
 * old address (never held back). One transaction: the token is used up only when the address
 * changes; an address that another account took meanwhile is EMAIL_TAKEN.
 */
export async function confirmEmailChange(
  lanyard: Lanyard,
  token: string,
  signedIn: Account,
  ip: string,
): Promise<{ account: Account; from: string }> {
  await checkEmailChange(lanyard.db, token, signedIn, lanyard.clock.now());
  return lanyard.db.transaction().execute(async (tx) => {
    const now = lanyard.clock.now();
    const reg = await consumeRegistrationToken(tx, token, { types: ['CHANGE_EMAIL'], now });
    const account = reg.account_id ? await findAccountById(tx, reg.account_id) : undefined;
    if (!account) throw new LanyardError('TOKEN_INVALID', 'This link is not valid.');
    if (!canSignIn(account)) throw new LanyardError('ACCOUNT_DISABLED', 'This account is disabled.');
    const email = reg.email!;
    const holder = await findAccountByEmail(tx, email);
    if (holder && holder.id !== account.id)
      throw new LanyardError('EMAIL_TAKEN', 'Another account uses this email already.');
    await endLinksOf(tx, account.id, now);
    const changed = await updateAccount(tx, account.id, { email, email_verified_at: now }, now).catch((e) => {
      // Another account confirmed the same address at the same moment: the unique index decides.
      throw isUniqueViolation(e) ? new LanyardError('EMAIL_TAKEN', 'Another account uses this email already.') : e;
    });
    await recordAudit(
      tx,
      {
        action: 'email_change',
        accountId: account.id,
        actorAccountId: signedIn.id,
        ip,
        detail: { from: account.email, to: email },
      },
      now,
    );
    await lanyard.queueMail(tx, 'email_changed', account.email, localeOf(account), {
      email,
      at: changedAt(now),
      profileLink: `${lanyard.config.publicUrl}/profile`,
    });
    return { account: changed, from: account.email };
  });
}
