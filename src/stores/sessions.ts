import { addSeconds } from '../clock.js';
import { hashToken, randomToken, safeEqual } from '../crypto/token.js';
import type { Db } from '../db/connect.js';
import type { Account, Session } from '../db/schema.js';
import { mayLogIn } from './accounts.js';

/**
 * Sessions as the Copenhagen Book describes them: a random id plus a random secret in the cookie,
 * only the secret's hash in the database, revocable server-side. A new session is made at every
 * sign-in (rotation), so a session id planted before sign-in is worthless after it.
 */
export async function createSession(
  db: Db,
  input: { accountId: string; amr: string[]; ttlSeconds: number; ip?: string | null; userAgent?: string | null },
  now: Date,
): Promise<{ session: Session; cookieValue: string }> {
  const id = randomToken(16);
  const secret = randomToken();
  const session = await db
    .insertInto('session')
    .values({
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
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { session, cookieValue: `${id}.${secret}` };
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
  const session = await db.selectFrom('session').selectAll().where('id', '=', id).executeTakeFirst();
  if (!session || session.revoked_at || session.expires_at <= now) return null;
  const account = await db.selectFrom('account').selectAll().where('id', '=', session.account_id).executeTakeFirst();
  if (!account || !mayLogIn(account)) return null;
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
