import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/connect.js';
import type { Account } from '../db/schema.js';
import { LanyardError } from '../errors.js';
import type { Lanyard } from '../lanyard.js';
import { verifyPasswordSignIn } from '../providers/password/sign-in.js';
import { recordAudit } from '../stores/audit.js';
import { signOutSession, touchSession, validateSession } from '../stores/sessions.js';
import { type SessionStart, startSession, startSessionAtOnce } from '../accounts/sessions.js';
import { clearCookie, cookieNames, setCookie } from './cookies.js';

/** Who is signed in in this browser (its session cookie): `request.auth`, the session noted as used. */
export async function readSession(lanyard: Lanyard, request: FastifyRequest): Promise<void> {
  const now = lanyard.clock.now();
  request.auth = await validateSession(lanyard.db, request.cookies[cookieNames(lanyard.config).session], now);
  if (request.auth) await touchSession(lanyard.db, request.auth.session, now);
}

/** Signs the browser in to `accountId` (see `startSession`) and sets the session cookie. */
export async function signIn(
  lanyard: Lanyard,
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  input: Omit<SessionStart, 'replaces' | 'ip' | 'userAgent'>,
): Promise<string> {
  const cookieValue = await startSession(lanyard, db, { ...input, ...sessionContext(request) });
  setSessionCookie(lanyard, reply, cookieValue);
  return cookieValue;
}

/** What a new session records about the browser, and which session it replaces. */
export const sessionContext = (request: FastifyRequest) => ({
  replaces: request.auth?.session.id ?? null,
  ip: request.ip,
  userAgent: request.headers['user-agent'] ?? null,
});

/**
 * Password sign-in, for the login page and the REST API's `authn/login`: checks the credentials
 * (as slowly for an unknown email as for a known one), audits a failure, and on success starts a
 * rotated session. Null means "wrong email or password", never which of the two.
 */
export async function signInWithPassword(
  lanyard: Lanyard,
  request: FastifyRequest,
  reply: FastifyReply,
  email: string,
  password: string,
): Promise<Account | null> {
  // The hash the password is checked against: the session starts only while it is still the account's.
  let passwordHash: string | null = null;
  const account = await lanyard.passwordThrottle.guard(email.trim(), request.ip, lanyard.clock.now(), async (row) => {
    const verified = await verifyPasswordSignIn(lanyard, row, password);
    if (verified) passwordHash = row!.password_hash;
    return verified;
  });
  if (!account || passwordHash === null) {
    await recordAudit(
      lanyard.db,
      {
        action: 'sign_in',
        outcome: 'failure',
        provider: 'password',
        ip: request.ip,
        detail: { reason: 'invalid_credentials' },
      },
      lanyard.clock.now(),
    );
    return null;
  }
  // One statement, no transaction: there is nothing else to write with the session.
  const started = await startSessionAtOnce(lanyard, {
    accountId: account.id,
    passwordHash,
    amr: ['pwd'],
    provider: 'password',
    ...sessionContext(request),
  });
  setSessionCookie(lanyard, reply, started.cookieValue);
  // The rest of this request acts as the new session (the REST API hands out its Bearer token).
  request.auth = { session: started.session, account: started.account };
  return account;
}

export function setSessionCookie(lanyard: Lanyard, reply: FastifyReply, cookieValue: string): void {
  setCookie(reply, lanyard.config, cookieNames(lanyard.config).session, cookieValue, lanyard.config.sessionTtlSeconds);
}

export async function signOut(lanyard: Lanyard, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const now = lanyard.clock.now();
  if (request.auth) await signOutSession(lanyard.db, { sessionId: request.auth.session.id, ip: request.ip }, now);
  clearCookie(reply, lanyard.config, cookieNames(lanyard.config).session);
}

export function requireAuth(request: FastifyRequest): NonNullable<FastifyRequest['auth']> {
  if (!request.auth) throw new LanyardError('AUTH_REQUIRED', 'Sign in first.');
  return request.auth;
}

/** Whether the request's session signed in within the last `reauthSeconds`. */
export function isFreshAuth(lanyard: Lanyard, request: FastifyRequest): boolean {
  if (!request.auth) return false;
  const age = (lanyard.clock.now().getTime() - request.auth.session.authenticated_at.getTime()) / 1000;
  return age <= lanyard.config.reauthSeconds;
}
