import type { Db } from '../db/connect.js';
import type { Account, Session } from '../db/schema.js';
import type { Lanyard } from '../lanyard.js';
import { LanyardError } from '../errors.js';
import { findAccountById, canSignIn } from '../stores/accounts.js';
import {
  createAuditedSession,
  type SessionStartInput,
  startSessionAlone,
  undoSessionStart,
} from '../stores/sessions.js';
import { translator } from '../i18n/index.js';
import { describeDevice, deviceName } from '../lib/user-agent.js';
import { localeOf } from './password-accounts.js';
import { signInMethods } from './amr.js';

export interface SessionStart {
  accountId: string;
  /**
   * The account's row when the caller has just read it in the same transaction (the broker has):
   * the check below then uses it instead of reading it again.
   */
  account?: Account;
  amr: string[];
  provider: string;
  subject?: string | null;
  /** The browser's current session, revoked so the new one replaces it (rotation, docs/design.md §4). */
  replaces?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

/** What the statements that start a session write, from what the sign-in knows. */
const sessionStartInput = (lanyard: Lanyard, s: Omit<SessionStart, 'account'>): SessionStartInput => ({
  amr: signInMethods(lanyard.config, s.provider, s.amr),
  ttlSeconds: lanyard.config.sessionTtlSeconds,
  ip: s.ip ?? null,
  userAgent: s.userAgent ?? null,
  replaces: s.replaces ?? null,
  provider: s.provider,
  subject: s.subject ?? null,
});

/**
 * Starts a session and audits the sign-in inside `db` (the caller's transaction), returning the
 * cookie value; the HTTP layer only sets the cookie.
 */
export async function startSession(lanyard: Lanyard, db: Db, s: SessionStart): Promise<string> {
  const now = lanyard.clock.now();
  // The one wall every way in passes (password, provider, reset and mailed links): a disabled
  // account gets no session, and the caller's transaction (a link, a new password) rolls back.
  const account = s.account?.id === s.accountId ? s.account : await findAccountById(db, s.accountId);
  if (!account || !canSignIn(account)) throw new LanyardError('ACCOUNT_DISABLED', 'This account is disabled.');
  const { cookieValue, earlierAgents } = await createAuditedSession(
    db,
    s.accountId,
    sessionStartInput(lanyard, s),
    now,
  );
  await noticeNewDevice(lanyard, db, account, s, earlierAgents);
  return cookieValue;
}

/**
 * `startSession` for a password sign-in, which has nothing else to write: one statement of its own
 * (`startSessionAlone`) instead of a transaction, then the new-device notice. `passwordHash` is the
 * hash the password was checked against: if a reset or change replaced it meanwhile, no session
 * starts and the answer is the wrong password's. Answers the account and the session as stored, so
 * the request can act as the new session at once.
 */
export async function startSessionAtOnce(
  lanyard: Lanyard,
  s: Omit<SessionStart, 'account'> & { passwordHash: string },
): Promise<{ account: Account; session: Session; cookieValue: string }> {
  const now = lanyard.clock.now();
  const started = await startSessionAlone(lanyard.db, s.accountId, s.passwordHash, sessionStartInput(lanyard, s), now);
  if (!started) {
    // The password was right when checked: the account was disabled, or its password changed, since.
    const account = await findAccountById(lanyard.db, s.accountId);
    if (!account || !canSignIn(account)) throw new LanyardError('ACCOUNT_DISABLED', 'This account is disabled.');
    throw new LanyardError('INVALID_CREDENTIALS', 'Wrong email or password.');
  }
  await noticeOrEnd(lanyard, started.account, s, started.earlierAgents, started.session.id, now);
  return started;
}

/**
 * The new-device notice after a session that a statement of its own started (not inside a
 * transaction): a sign-in whose notice could not be queued does not stand, as it would not where
 * the notice shares the sign-in's transaction — the new session and the replaced session's ending
 * are taken back, and a `sign_in` failure audit row says so beside the success row, which the
 * append-only trail keeps (`undoSessionStart`); the error is thrown, so its cookie is never sent.
 */
export async function noticeOrEnd(
  lanyard: Lanyard,
  account: Account,
  s: Pick<SessionStart, 'provider' | 'ip' | 'userAgent' | 'replaces'>,
  earlierAgents: (string | null)[],
  sessionId: string,
  now: Date,
): Promise<void> {
  try {
    await noticeNewDevice(lanyard, lanyard.db, account, s, earlierAgents);
  } catch (e) {
    await undoSessionStart(
      lanyard.db,
      { sessionId, accountId: account.id, replaces: s.replaces ?? null, ip: s.ip ?? null, provider: s.provider },
      now,
    ).catch((undo: unknown) =>
      lanyard.log.error({ err: undo, session: sessionId }, 'a sign-in whose notice failed could not be taken back'),
    );
    throw e;
  }
}

/**
 * Mails the account's owner when a sign-in comes from a device none of its latest sessions used
 * (`earlierAgents`: their User-Agents, read before the new session was inserted).
 */
export async function noticeNewDevice(
  lanyard: Lanyard,
  db: Db,
  account: Account,
  s: Pick<SessionStart, 'provider' | 'ip' | 'userAgent'>,
  earlierAgents: (string | null)[],
): Promise<void> {
  if (!isNewDevice(s.userAgent ?? null, earlierAgents)) return;
  const locale = localeOf(account);
  await lanyard.queueMail(db, 'new_device_sign_in', account.email, locale, {
    device: deviceName(s.userAgent ?? null, translator(locale)),
    method: lanyard.providers.identityName(s.provider, locale),
    address: s.ip ?? '?',
    sessionsLink: `${lanyard.config.publicUrl}/profile/sessions`,
  });
}

/**
 * A sign-in from a browser and system none of the account's latest sessions used. The very first
 * sign-in of an account is not "new" (there is nothing to compare with, and the person just made it).
 */
export function isNewDevice(userAgent: string | null, earlierAgents: (string | null)[]): boolean {
  if (earlierAgents.length === 0) return false;
  const key = (ua: string | null) => {
    const { browser, os } = describeDevice(ua);
    return browser || os ? `${browser}/${os}` : `raw:${ua ?? ''}`;
  };
  // The latest sessions mostly share one User-Agent: each distinct one is described once.
  const known = new Set([...new Set(earlierAgents)].map(key));
  return !known.has(key(userAgent));
}
