import type { MailResult } from '../mail/limit.js';
import { passwordProblem } from '../crypto/password.js';
import { LanyardError } from '../errors.js';
import { isLocale, type Locale } from '../i18n/index.js';
import type { Lanyard } from '../lanyard.js';
import type { Db } from '../db/connect.js';
import type { Account } from '../db/schema.js';
import { type SessionStart, startSession } from './sessions.js';
import { createAccount, findAccountByEmail, findAccountById, canSignIn, updateAccount } from '../stores/accounts.js';
import { recordAudit } from '../stores/audit.js';
import { identityOf, setPasswordHash } from '../stores/identities.js';
import { checkRegistrationToken, consumeRegistrationToken, createRegistration } from '../stores/registrations.js';
import { revokeAccountGrants } from '../stores/oidc-payloads.js';
import { revokeAccountSessions } from '../stores/sessions.js';

const hours = (s: number) => Math.max(1, Math.round(s / 3600));

/** Mails about an account speak the account's language when it has one. */
export const localeOf = (account: Pick<Account, 'locale'>, fallback: Locale = 'en'): Locale =>
  isLocale(account.locale) ? account.locale : fallback;

export function assertPassword(password: string, email: string): void {
  const problem = passwordProblem(password, email);
  if (problem) throw new LanyardError('PASSWORD_TOO_WEAK', problem, { reason: problem });
}

/**
 * Step 1 of /register. Answers nothing about the address: an unknown one gets a REGISTER link,
 * a known one gets a mail saying it has an account (with a reset link) — same response either way.
 * `base` is where the mailed links point (src/http/ui-links.ts): Lanyard's pages, or the UI's routes.
 */
export async function requestRegistration(
  lanyard: Lanyard,
  email: string,
  locale: Locale,
  base = lanyard.config.publicUrl,
): Promise<MailResult> {
  if (!lanyard.config.selfRegistration)
    throw new LanyardError('SELF_REGISTRATION_DISABLED', 'Self-registration is off.');
  const { config, clock } = lanyard;
  return lanyard.db.transaction().execute(async (tx) => {
    const now = clock.now();
    const existing = await findAccountByEmail(tx, email);
    if (existing) {
      const { token } = await createRegistration(
        tx,
        { type: 'FORGOT', email: existing.email, accountId: existing.id },
        config.tokenTtl.FORGOT,
        now,
      );
      return lanyard.queueMail(tx, 'account_exists', existing.email, locale, {
        link: `${base}/forgot/${token}`,
        validHours: hours(config.tokenTtl.FORGOT),
      });
    }
    const { token } = await createRegistration(tx, { type: 'REGISTER', email }, config.tokenTtl.REGISTER, now);
    return lanyard.queueMail(tx, 'register', email, locale, {
      link: `${base}/register/${token}`,
      validHours: hours(config.tokenTtl.REGISTER),
    });
  });
}

/** Where a session started by a password flow comes from (the browser's, see `sessionContext`). */
export type PasswordSession = Pick<SessionStart, 'replaces' | 'ip' | 'userAgent'>;

/** An account, and the cookie value of the session started with it (null when none was asked for). */
export interface SignedIn {
  account: Account;
  cookie: string | null;
}

/** A session for a password flow, in the flow's own transaction: the account and its session commit together. */
const passwordSession = (lanyard: Lanyard, tx: Db, accountId: string, session: PasswordSession | undefined) =>
  session ? startSession(lanyard, tx, { ...session, accountId, amr: ['pwd'], provider: 'password' }) : null;

/**
 * Step 2 of /register: the mailed link proved the address; create the account with it verified,
 * and with `session` sign the browser in to it in the same transaction.
 */
export async function completeRegistration(
  lanyard: Lanyard,
  token: string,
  input: { givenName: string; familyName: string; password: string; locale: Locale },
  session?: PasswordSession,
): Promise<SignedIn> {
  if (!lanyard.config.selfRegistration)
    throw new LanyardError('SELF_REGISTRATION_DISABLED', 'Self-registration is off.');
  // Hash before the transaction: argon2 takes tens of milliseconds and must not hold a connection.
  const pending = await checkRegistrationToken(lanyard.db, token, { types: ['REGISTER'], now: lanyard.clock.now() });
  assertPassword(input.password, pending.email!);
  const passwordHash = await lanyard.hasher.hash(input.password);
  return lanyard.db.transaction().execute(async (tx) => {
    const now = lanyard.clock.now();
    const reg = await consumeRegistrationToken(tx, token, { types: ['REGISTER'], now });
    const email = reg.email!;
    if (await findAccountByEmail(tx, email))
      throw new LanyardError('EMAIL_TAKEN', 'An account with this email exists already.');
    const account = await createAccount(
      tx,
      {
        email,
        email_verified_at: now,
        given_name: input.givenName || null,
        family_name: input.familyName || null,
        self_registered: true,
        locale: input.locale,
      },
      now,
    );
    await setPasswordHash(tx, account.id, passwordHash, now);
    await recordAudit(tx, { action: 'register', accountId: account.id, provider: 'password' }, now);
    return { account, cookie: await passwordSession(lanyard, tx, account.id, session) };
  });
}

/**
 * /forgot: a FORGOT link if the address has an active account; otherwise nothing is sent, but the
 * request is counted like a mail, so the answer (held back by the limit or not) is the same.
 */
export async function requestPasswordReset(
  lanyard: Lanyard,
  email: string,
  locale: Locale,
  base = lanyard.config.publicUrl,
): Promise<MailResult> {
  const { config } = lanyard;
  return lanyard.db.transaction().execute(async (tx) => {
    const now = lanyard.clock.now();
    const account = await findAccountByEmail(tx, email);
    if (!account || !canSignIn(account)) {
      const form = { link: `${base}/forgot`, validHours: hours(config.tokenTtl.FORGOT) };
      return lanyard.queueMail(tx, 'forgot', email, locale, form, { noAccount: true });
    }
    const { token } = await createRegistration(
      tx,
      { type: 'FORGOT', email: account.email, accountId: account.id },
      config.tokenTtl.FORGOT,
      now,
    );
    return lanyard.queueMail(tx, 'forgot', account.email, localeOf(account, locale), {
      link: `${base}/forgot/${token}`,
      validHours: hours(config.tokenTtl.FORGOT),
    });
  });
}

/**
 * /forgot/:token: sets the new password, proves the email (the link reached it), revokes every
 * session of the account, tells the owner, and with `session` signs the browser in — all in one
 * transaction.
 */
export async function resetPassword(
  lanyard: Lanyard,
  token: string,
  password: string,
  session?: PasswordSession,
): Promise<SignedIn> {
  const pending = await checkRegistrationToken(lanyard.db, token, { types: ['FORGOT'], now: lanyard.clock.now() });
  assertPassword(password, pending.email ?? '');
  const passwordHash = await lanyard.hasher.hash(password);
  return lanyard.db.transaction().execute(async (tx) => {
    const now = lanyard.clock.now();
    const reg = await consumeRegistrationToken(tx, token, { types: ['FORGOT'], now });
    const account = reg.account_id ? await findAccountById(tx, reg.account_id) : undefined;
    if (!account) throw new LanyardError('TOKEN_INVALID', 'This link is not valid.');
    // A disabled account stays disabled: a reset link (e.g. from /register) must not reopen it.
    if (!canSignIn(account)) throw new LanyardError('ACCOUNT_DISABLED', 'This account is disabled.');
    await setPasswordHash(tx, account.id, passwordHash, now);
    // The link reached the inbox, so the address is proven.
    const verified = await updateAccount(tx, account.id, { email_verified_at: account.email_verified_at ?? now }, now);
    await revokeAccountSessions(tx, account.id, now);
    // What the old password obtained at the OpenID provider ends with its sessions: a public
    // client's refresh token would otherwise go on minting access tokens for whoever holds it.
    await revokeAccountGrants(tx, account.id);
    await recordAudit(tx, { action: 'password_reset', accountId: account.id, provider: 'password' }, now);
    await lanyard.queueMail(tx, 'password_changed', account.email, localeOf(account), undefined);
    return { account: verified, cookie: await passwordSession(lanyard, tx, account.id, session) };
  });
}

/** Change on /profile: the current password is the fresh proof (docs/design.md §4, re-authentication). */
export async function changePassword(
  lanyard: Lanyard,
  account: Account,
  current: string,
  next: string,
  keepSessionId: string,
  ip: string,
): Promise<void> {
  const identity = await identityOf(lanyard.db, account.id, 'password');
  // The current password is a password check like a sign-in: the same per-account limit applies.
  const ok = await lanyard.passwordThrottle.guard(account.email, ip, lanyard.clock.now(), () =>
    lanyard.hasher.verify(identity?.password_hash, current),
  );
  if (!ok) throw new LanyardError('INVALID_CREDENTIALS', 'The current password is not correct.');
  assertPassword(next, account.email);
  const hash = await lanyard.hasher.hash(next);
  await lanyard.db.transaction().execute(async (tx) => {
    const now = lanyard.clock.now();
    await setPasswordHash(tx, account.id, hash, now);
    await revokeAccountSessions(tx, account.id, now, keepSessionId);
    // As for a reset: the grants, codes and tokens obtained with the old password end too.
    await revokeAccountGrants(tx, account.id);
    await recordAudit(
      tx,
      { action: 'password_change', accountId: account.id, actorAccountId: account.id, provider: 'password' },
      now,
    );
    await lanyard.queueMail(tx, 'password_changed', account.email, localeOf(account), undefined);
  });
}

/**
 * A password for an account that so far signs in only through providers (an ORCID-created
 * account, say). The caller has checked a fresh sign-in. The password signs in with the account's
 * email, so that address must be proven; the owner is told by mail, as for a changed password.
 */
export async function addPassword(lanyard: Lanyard, account: Account, password: string, ip: string): Promise<void> {
  if (!account.email_verified_at)
    throw new LanyardError(
      'ACCOUNT_EMAIL_UNVERIFIED',
      "The account's email address is not verified, so it cannot sign in with a password yet.",
    );
  assertPassword(password, account.email);
  const hash = await lanyard.hasher.hash(password);
  await lanyard.db.transaction().execute(async (tx) => {
    const now = lanyard.clock.now();
    // Inside the transaction, so two submissions cannot both add one (the unique (account,
    // provider) constraint is the last word); a password that exists is changed on its own form.
    if (await identityOf(tx, account.id, 'password'))
      throw new LanyardError('IDENTITY_ALREADY_LINKED', 'The account already has a password.');
    await setPasswordHash(tx, account.id, hash, now);
    await recordAudit(
      tx,
      {
        action: 'password_change',
        accountId: account.id,
        actorAccountId: account.id,
        provider: 'password',
        ip,
        detail: { added: true },
      },
      now,
    );
    await lanyard.queueMail(tx, 'password_changed', account.email, localeOf(account), undefined);
  });
}

/** The names a person gives themselves on /profile; an empty field clears it. */
export async function changeNames(
  lanyard: Lanyard,
  account: Account,
  names: { givenName: string; familyName: string },
  ip: string,
): Promise<void> {
  const clean = (s: string) => s.replace(/\s+/g, ' ').trim() || null;
  await lanyard.db.transaction().execute(async (tx) => {
    const now = lanyard.clock.now();
    // The person's own names replace a name a provider supplied (ORCID's credit name, say).
    const next = { given_name: clean(names.givenName), family_name: clean(names.familyName), display_name: null };
    await updateAccount(tx, account.id, next, now);
    await recordAudit(
      tx,
      { action: 'names_change', accountId: account.id, actorAccountId: account.id, ip, detail: { ...next } },
      now,
    );
  });
}
