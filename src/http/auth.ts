import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/connect.js';
import { LanyardError } from '../errors.js';
import type { Lanyard } from '../lanyard.js';
import { recordAudit } from '../stores/audit.js';
import { createSession, revokeSession } from '../stores/sessions.js';
import { clearCookie, cookieNames, setCookie } from './cookies.js';

/**
 * Signs the browser in to `accountId`: the old session (if any) is revoked and a new one made
 * (rotation, product.md §4), the cookie set, the sign-in audited — all in `db` (a transaction
 * the caller may be running, so a failed flow leaves no session behind).
 */
export async function signIn(
  lanyard: Lanyard,
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  input: { accountId: string; amr: string[]; provider: string; subject?: string | null },
): Promise<void> {
  const now = lanyard.clock.now();
  if (request.auth) await revokeSession(db, request.auth.session.id, now);
  const { cookieValue } = await createSession(
    db,
    { accountId: input.accountId, amr: input.amr, ttlSeconds: lanyard.config.sessionTtlSeconds, ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
    now,
  );
  await recordAudit(db, { action: 'sign_in', accountId: input.accountId, provider: input.provider, subject: input.subject ?? null, ip: request.ip }, now);
  setCookie(reply, lanyard.config, cookieNames(lanyard.config).session, cookieValue, lanyard.config.sessionTtlSeconds);
}

export async function signOut(lanyard: Lanyard, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const now = lanyard.clock.now();
  if (request.auth) {
    await revokeSession(lanyard.db, request.auth.session.id, now);
    await recordAudit(lanyard.db, { action: 'sign_out', accountId: request.auth.account.id, ip: request.ip }, now);
  }
  clearCookie(reply, lanyard.config, cookieNames(lanyard.config).session);
}

export function requireAuth(request: FastifyRequest): NonNullable<FastifyRequest['auth']> {
  if (!request.auth) throw new LanyardError('AUTH_REQUIRED', 'Sign in first.');
  return request.auth;
}

/** Sensitive actions need a sign-in within the last `reauthSeconds` (product.md §4). */
export function requireFreshAuth(lanyard: Lanyard, request: FastifyRequest): NonNullable<FastifyRequest['auth']> {
  const auth = requireAuth(request);
  const age = (lanyard.clock.now().getTime() - auth.session.authenticated_at.getTime()) / 1000;
  if (age > lanyard.config.reauthSeconds) throw new LanyardError('REAUTH_REQUIRED', 'Sign in again to confirm it is you.');
  return auth;
}
