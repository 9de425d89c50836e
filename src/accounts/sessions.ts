import type { Db } from '../db/connect.js';
import type { Lanyard } from '../lanyard.js';
import { recordAudit } from '../stores/audit.js';
import { LanyardError } from '../errors.js';
import { findAccountById, mayLogIn } from '../stores/accounts.js';
import { createSession, revokeSession } from '../stores/sessions.js';

export interface SessionStart {
  accountId: string;
  amr: string[];
  provider: string;
  subject?: string | null;
  /** The browser's current session, revoked so the new one replaces it (rotation, product.md §4). */
  replaces?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

/**
 * Starts a session and audits the sign-in inside `db` (the caller's transaction), returning the
 * cookie value; the HTTP layer only sets the cookie.
 */
export async function startSession(lanyard: Lanyard, db: Db, s: SessionStart): Promise<string> {
  const now = lanyard.clock.now();
  // The one wall every way in passes (password, provider, reset and mailed links): a disabled
  // account gets no session, and the caller's transaction (a link, a new password) rolls back.
  const account = await findAccountById(db, s.accountId);
  if (!account || !mayLogIn(account)) throw new LanyardError('ACCOUNT_DISABLED', 'This account is disabled.');
  if (s.replaces) await revokeSession(db, s.replaces, now);
  const { cookieValue } = await createSession(
    db,
    {
      accountId: s.accountId,
      amr: s.amr,
      ttlSeconds: lanyard.config.sessionTtlSeconds,
      ip: s.ip ?? null,
      userAgent: s.userAgent ?? null,
    },
    now,
  );
  await recordAudit(
    db,
    { action: 'sign_in', accountId: s.accountId, provider: s.provider, subject: s.subject ?? null, ip: s.ip ?? null },
    now,
  );
  return cookieValue;
}
