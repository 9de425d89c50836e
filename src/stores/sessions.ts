import { addSeconds } from '../clock.js';
import { hashToken, randomToken, safeEqual } from '../crypto/token.js';
import type { Db } from '../db/connect.js';
import type { Account, Session } from '../db/schema.js';
import { canSignIn } from './accounts.js';
import { type AuditInput, auditRow } from './audit.js';

/**
 * Sessions as the Copenhagen Book describes them: a random id plus a random secret in the cookie,
 * only the secret's hash in the database, revocable server-side. A new session is made at every
 * sign-in (rotation), so a session id planted before sign-in is worthless after it.
 */
interface SessionInput {
  accountId: string;
  amr: string[];
  ttlSeconds: number;
  ip?: string | null;
  userAgent?: string | null;
}

/** A new session's row and the cookie value that proves it (only the secret's hash is stored). */
function newSession(input: SessionInput, now: Date) {
  const id = randomToken(16);
  const secret = randomToken();
  const row = {
    id,
    secret_hash: hashToken(secret),
    account_id: input.accountId,
    amr: input.amr.join(' '),
    authenticated_at: now,
    created_at: now,
    expires_at: addSeconds(now, input.ttlSeconds),
    revoked_at: null,
    ip: input.ip ?? null,
    user_agent: input.userAgent?.slice(0, 300) ?? null,
  };
  return { row, cookieValue: `${id}.${secret}` };
}

export async function createSession(
  db: Db,
  input: SessionInput,
  now: Date,
): Promise<{ session: Session; cookieValue: string }> {
  const { row, cookieValue } = newSession(input, now);
  const session = await db.insertInto('session').values(row).returningAll().executeTakeFirstOrThrow();
  return { session, cookieValue };
}

/**
 * A new session and the audit row of the sign-in that made it, in one statement: one round trip
 * to the database instead of two (a data-modifying WITH runs whether or not it is read).
 */
export async function createAuditedSession(db: Db, input: SessionInput, audit: AuditInput, now: Date): Promise<string> {
  const { row, cookieValue } = newSession(input, now);
  await db
    .with('new_session', (q) => q.insertInto('session').values(row).returning('id'))
    .insertInto('audit_event')
    .values(auditRow(audit, now))
    .execute();
  return cookieValue;
}

export async function validateSession(
  db: Db,
  cookieValue: string | undefined,
  now: Date,
): Promise<{ session: Session; account: Account } | null> {
  if (!cookieValue) return null;
  const [id, secret] = cookieValue.split('.');
  if (!id || !secret || id.length > 64 || secret.length > 64) return null;
  const found = await validateSessionById(db, id, now);
  return found && safeEqual(found.session.secret_hash, hashToken(secret)) ? found : null;
}

/**
 * The live session with this id, and its account (for a Bearer token, whose signature already
 * vouches for the id): null when revoked, expired or the account may not sign in.
 */
export async function validateSessionById(
  db: Db,
  id: string,
  now: Date,
): Promise<{ session: Session; account: Account } | null> {
  // The session and its account in one round trip (every request with a cookie makes it).
  const row = await db
    .selectFrom('session')
    .innerJoin('account', 'account.id', 'session.account_id')
    .selectAll('account')
    .select([
      'session.id as session_id',
      'session.secret_hash as session_secret_hash',
      'session.amr as session_amr',
      'session.authenticated_at as session_authenticated_at',
      'session.created_at as session_created_at',
      'session.expires_at as session_expires_at',
      'session.revoked_at as session_revoked_at',
      'session.ip as session_ip',
      'session.user_agent as session_user_agent',
    ])
    .where('session.id', '=', id)
    .executeTakeFirst();
  if (!row || row.session_revoked_at || row.session_expires_at <= now) return null;
  const {
    session_id,
    session_secret_hash,
    session_amr,
    session_authenticated_at,
    session_created_at,
    session_expires_at,
    session_revoked_at,
    session_ip,
    session_user_agent,
    ...account
  } = row;
  if (!canSignIn(account)) return null;
  const session: Session = {
    id: session_id,
    secret_hash: session_secret_hash,
    account_id: account.id,
    amr: session_amr,
    authenticated_at: session_authenticated_at,
    created_at: session_created_at,
    expires_at: session_expires_at,
    revoked_at: session_revoked_at,
    ip: session_ip,
    user_agent: session_user_agent,
  };
  return { session, account };
}

export async function revokeSession(db: Db, id: string, now: Date): Promise<void> {
  await db.updateTable('session').set({ revoked_at: now }).where('id', '=', id).execute();
}

export async function revokeAccountSessions(db: Db, accountId: string, now: Date, exceptId?: string): Promise<void> {
  let q = db
    .updateTable('session')
    .set({ revoked_at: now })
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null);
  if (exceptId) q = q.where('id', '!=', exceptId);
  await q.execute();
}

/** Records a fresh authentication on an existing session (re-authentication for sensitive actions). */
export async function refreshAuthentication(db: Db, id: string, method: string, now: Date): Promise<void> {
  const s = await db.selectFrom('session').select('amr').where('id', '=', id).executeTakeFirstOrThrow();
  const amr = new Set(s.amr.split(' ').filter(Boolean));
  amr.add(method);
  await db
    .updateTable('session')
    .set({ authenticated_at: now, amr: [...amr].join(' ') })
    .where('id', '=', id)
    .execute();
}
