import { CompiledQuery, sql } from 'kysely';
import { addSeconds } from '../clock.js';
import { hashToken, randomToken, safeEqual } from '../crypto/token.js';
import { type Db, preparedStatement } from '../db/connect.js';
import type { Account, Session } from '../db/schema.js';
import { accountColumns, canSignIn } from './accounts.js';

/**
 * Sessions as the Copenhagen Book describes them: a random id plus a random secret in the cookie,
 * only the secret's hash in the database, revocable server-side. A new session is made at every
 * sign-in (rotation), so a session id planted before sign-in is worthless after it.
 */
export interface SessionInput {
  accountId: string;
  amr: string[];
  ttlSeconds: number;
  ip?: string | null;
  userAgent?: string | null;
}

/** A new session's row and the cookie value that proves it (only the secret's hash is stored). */
export function newSession(input: SessionInput, now: Date) {
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
    last_seen_at: now,
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

/** How many of an account's latest sessions tell whether a sign-in comes from a device seen before. */
export const DEVICES_REMEMBERED = 20;

/**
 * The key of a provider session's payload that names Lanyard's session in the same browser: the
 * device whose signing out ends it (src/stores/oidc-payloads.ts, `revokeDeviceGrants`).
 * oidc-provider keeps only its own keys of a stored payload, so it never sees this one; the
 * adapter writes it again at every save.
 */
export const DEVICE_KEY = 'lanyardSession';

/**
 * The provider sessions noted with the replaced session (`DEVICE_KEY`) are noted with the new one
 * when it is the same account's, in the same browser: signing that device out later still ends them.
 */
const deviceMoved = `device_moved as (
  update oidc_payload set payload = jsonb_set(payload, '{${DEVICE_KEY}}', to_jsonb($3::text))
  where payload->>'accountId' = (select account_id::text from starter) and model = 'Session'
    and payload->>'${DEVICE_KEY}' = $2::text
)`;

/**
 * What a statement that starts a session needs, beside a CTE `starter (account_id)` holding the
 * account that may sign in now (one row, or none and then nothing is written): the browser's
 * previous session revoked (rotation) and its provider sessions noted with the new one, the new
 * session and its sign-in audit row inserted.
 * Parameters $1–$10 are `sessionStartParameters`; a statement adds its own from $11.
 */
export const sessionStartParts = `replaced as (
  update session set revoked_at = $1::timestamptz
  where id = $2::text and revoked_at is null and exists (select 1 from starter)
),
${deviceMoved},
new_session as (
  insert into session (id, secret_hash, account_id, amr, authenticated_at, created_at, expires_at, last_seen_at, ip, user_agent)
  select $3::text, $4::text, starter.account_id, $5::text, $1::timestamptz, $1::timestamptz, $6::timestamptz,
    $1::timestamptz, $7::text, $8::text
  from starter
  returning account_id
),
audited as (
  insert into audit_event (at, action, outcome, account_id, provider, subject, ip, detail)
  select $1::timestamptz, 'sign_in', 'success', account_id, $9::text, $10::text, $7::text, '{}'::jsonb from new_session
)`;

/** The User-Agents of the account's latest sessions before this statement's (its snapshot predates the insert). */
export const earlierAgentsOf = (accountId: string) => `(select coalesce(json_agg(earlier.user_agent), '[]'::json) from (
    select user_agent from session where session.account_id = ${accountId}
    order by created_at desc limit ${DEVICES_REMEMBERED}) earlier)`;

export interface SessionStartInput extends Omit<SessionInput, 'accountId'> {
  /** The browser's current session, revoked by the same statement. */
  replaces: string | null;
  /** For the audit row. */
  provider: string;
  subject: string | null;
}

/** The parameters $1–$10 of `sessionStartParts`, the new session's id and the cookie that proves it. */
export function sessionStartParameters(input: SessionStartInput, now: Date) {
  const { row, cookieValue } = newSession({ ...input, accountId: '' }, now);
  const parameters = [now, input.replaces, row.id, row.secret_hash, row.amr, row.expires_at, row.ip, row.user_agent];
  return { parameters: [...parameters, input.provider, input.subject], row, cookieValue };
}

export const parseAgents = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as (string | null)[];

const startFor = preparedStatement(`with current_password as (
  select 1 from identity where account_id = $11::uuid and provider = 'password' and password_hash = $12::text
  for share
),
owner as (
  select ${accountColumns('account')} from account where id = $11::uuid and status = 'active' and can_log_in
    and exists (select 1 from current_password)
),
starter as (select id as account_id from owner),
${sessionStartParts}
select owner.*, ${earlierAgentsOf('owner.id')} as earlier_agents from owner`);

/**
 * Starts a session for an account that may sign in, audited, in one statement of its own — for a
 * password sign-in, with nothing else to write. Null when the account may not sign in, or when its
 * password hash is no longer `passwordHash`, the one the password was checked against (nothing
 * written): a reset or change that committed while the old password was being checked ends every
 * session, and must not be followed by one the old password started. The hash's row is locked for
 * the statement, so a reset either waits for it (and then ends the new session) or has changed the
 * hash before it looks.
 * Returns the account read in the same statement and the session as stored.
 */
export async function startSessionAlone(
  db: Db,
  accountId: string,
  passwordHash: string,
  input: SessionStartInput,
  now: Date,
): Promise<{ account: Account; session: Session; cookieValue: string; earlierAgents: (string | null)[] } | null> {
  const { parameters, row, cookieValue } = sessionStartParameters(input, now);
  const found = (
    await db.executeQuery<Account & { earlier_agents: unknown }>(startFor([...parameters, accountId, passwordHash]))
  ).rows[0];
  if (!found) return null;
  const { earlier_agents, ...account } = found;
  return {
    account,
    session: { ...row, account_id: account.id },
    cookieValue,
    earlierAgents: parseAgents(earlier_agents),
  };
}

const startIn = `with starter as (select $11::uuid as account_id),
${sessionStartParts}
select ${earlierAgentsOf('$11::uuid')} as earlier_agents`;

/**
 * The same inside the caller's transaction, for an account it has already checked (a first
 * sign-in, a link, a mailed link): not prepared, as a pooler's refusal of a prepared statement
 * would abort the transaction (`preparedStatement`). Answers the User-Agents of the account's
 * latest earlier sessions, so the caller can tell a new device without another query.
 */
export async function createAuditedSession(
  db: Db,
  accountId: string,
  input: SessionStartInput,
  now: Date,
): Promise<{ cookieValue: string; earlierAgents: (string | null)[] }> {
  const { parameters, cookieValue } = sessionStartParameters(input, now);
  const found = (
    await db.executeQuery<{ earlier_agents: unknown }>(CompiledQuery.raw(startIn, [...parameters, accountId]))
  ).rows[0];
  return { cookieValue, earlierAgents: parseAgents(found?.earlier_agents ?? []) };
}

export async function validateSession(
  db: Db,
  cookieValue: string | undefined,
  now: Date,
): Promise<{ session: Session; account: Account } | null> {
  const cookie = sessionCookieParts(cookieValue);
  if (!cookie) return null;
  const found = await validateSessionById(db, cookie.id, now);
  return found && safeEqual(found.session.secret_hash, hashToken(cookie.secret)) ? found : null;
}

type SessionAndAccount = Account & {
  [K in Exclude<keyof Session, 'account_id'> as `session_${K & string}`]: Session[K];
};

/** Prepared once per connection (every request with a session cookie or Bearer token runs it). */
const sessionAndAccount = preparedStatement(`select ${accountColumns('account')}, session.id as session_id,
  session.secret_hash as session_secret_hash, session.amr as session_amr,
  session.authenticated_at as session_authenticated_at, session.created_at as session_created_at,
  session.expires_at as session_expires_at, session.revoked_at as session_revoked_at, session.ip as session_ip,
  session.user_agent as session_user_agent, session.last_seen_at as session_last_seen_at
  from session join account on account.id = session.account_id where session.id = $1`);

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
  const row = (await db.executeQuery<SessionAndAccount>(sessionAndAccount([id]))).rows[0];
  return row ? liveSession(row, now) : null;
}

/** The session and account of a row of `sessionAndAccount`: null when revoked, expired or the account may not sign in. */
function liveSession(row: SessionAndAccount, now: Date): { session: Session; account: Account } | null {
  if (row.session_revoked_at || row.session_expires_at <= now) return null;
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
    session_last_seen_at,
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
    last_seen_at: session_last_seen_at,
  };
  return { session, account };
}

/** Which columns of `sessionAndAccount`'s row are timestamps (the compiler keeps the list complete). */
const sessionRowColumns: Record<keyof SessionAndAccount, 'value' | 'time'> = {
  id: 'value',
  email: 'value',
  email_verified_at: 'time',
  given_name: 'value',
  family_name: 'value',
  display_name: 'value',
  status: 'value',
  can_log_in: 'value',
  self_registered: 'value',
  is_admin: 'value',
  locale: 'value',
  merged_into: 'value',
  created_at: 'time',
  updated_at: 'time',
  session_id: 'value',
  session_secret_hash: 'value',
  session_amr: 'value',
  session_authenticated_at: 'time',
  session_created_at: 'time',
  session_expires_at: 'time',
  session_revoked_at: 'time',
  session_ip: 'value',
  session_user_agent: 'value',
  session_last_seen_at: 'time',
};

/**
 * `sessionAndAccount`'s row as one JSON object, for a statement that reads the session with other
 * rows (the OpenID provider's read, src/stores/oidc-payloads.ts): timestamps as milliseconds since
 * the epoch, cut to the millisecond as the database client cuts them, so the row it gives back
 * (`sessionOfJson`) is the one `validateSessionById` reads.
 */
export const sessionJson = `jsonb_build_object(${Object.entries(sessionRowColumns)
  .map(([name, kind]) => {
    const column = name.startsWith('session_') ? `session.${name.slice(8)}` : `account.${name}`;
    return `'${name}', ${kind === 'time' ? `floor(extract(epoch from ${column}) * 1000)` : column}`;
  })
  .join(', ')})`;
export const sessionJsonFrom = 'session join account on account.id = session.account_id';

/** The cookie's session id and secret, or null for a value that cannot be one. */
export function sessionCookieParts(cookieValue: string | undefined): { id: string; secret: string } | null {
  if (!cookieValue) return null;
  const [id, secret] = cookieValue.split('.');
  if (!id || !secret || id.length > 64 || secret.length > 64) return null;
  return { id, secret };
}

/**
 * What `validateSession` answers for the cookie whose parts are `cookie`, from `sessionJson` of its
 * session as read with other rows (undefined: no such session).
 */
export function sessionOfJson(
  json: unknown,
  cookie: { id: string; secret: string },
  now: Date,
): { session: Session; account: Account } | null {
  if (!json || typeof json !== 'object') return null;
  const values = json as Record<string, unknown>;
  const row = {} as Record<string, unknown>;
  for (const [name, kind] of Object.entries(sessionRowColumns)) {
    const value = values[name] ?? null;
    row[name] = kind === 'time' && value !== null ? new Date(Number(value)) : value;
  }
  const found = liveSession(row as SessionAndAccount, now);
  return found && found.session.id === cookie.id && safeEqual(found.session.secret_hash, hashToken(cookie.secret))
    ? found
    : null;
}

/** How stale `last_seen_at` may get: the devices list shows it to a few minutes, not to the second. */
const SEEN_PRECISION_MS = 5 * 60_000;

/**
 * Notes that the session was used now — a write at most every few minutes per session, so most
 * signed-in requests stay at one round trip. Conditional, so concurrent requests write once.
 */
export async function touchSession(db: Db, session: Session, now: Date): Promise<void> {
  const seen = session.last_seen_at ?? session.created_at;
  if (now.getTime() - seen.getTime() < SEEN_PRECISION_MS) return;
  const stale = new Date(now.getTime() - SEEN_PRECISION_MS);
  await db
    .updateTable('session')
    .set({ last_seen_at: now })
    .where('id', '=', session.id)
    .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', stale)]))
    .execute();
  session.last_seen_at = now;
}

/** The account's sessions still in use (not signed out, not expired), the most recently used first. */
export async function listLiveSessions(db: Db, accountId: string, now: Date): Promise<Session[]> {
  const rows = await db
    .selectFrom('session')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  const seen = (s: Session) => (s.last_seen_at ?? s.created_at).getTime();
  return rows.sort((a, b) => seen(b) - seen(a));
}

/** Signs out one session of this account; false when the account has no such live session. */
export async function revokeOwnSession(db: Db, accountId: string, id: string, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('session')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Takes back what `sessionStartParts` wrote at `now`, in one statement: the new session is deleted
 * and the session it replaced is live again, with the provider sessions noted with it. Its `sign_in` audit row stays — the trail is
 * append-only, rows leave only by retention — and a `sign_in` failure row (`reason`
 * `new_device_notice_not_queued`, `undone` the session's id) says that the sign-in did not stand.
 * For a sign-in that must not stand after its statement committed (its new-device notice could not
 * be queued).
 */
export async function undoSessionStart(
  db: Db,
  s: { sessionId: string; accountId: string; replaces: string | null; ip: string | null; provider: string },
  now: Date,
): Promise<void> {
  const detail = JSON.stringify({ reason: 'new_device_notice_not_queued', undone: s.sessionId });
  await sql`with gone as (delete from session where id = ${s.sessionId}::text and account_id = ${s.accountId}::uuid returning account_id),
    restored as (
      update session set revoked_at = null
      where id = ${s.replaces}::text and revoked_at = ${now}::timestamptz and exists (select 1 from gone)
    ),
    device_restored as (
      update oidc_payload set payload = jsonb_set(payload, ${`{${DEVICE_KEY}}`}::text[], to_jsonb(${s.replaces}::text))
      where payload->>'accountId' = ${s.accountId}::text and model = 'Session'
        and payload->>${DEVICE_KEY}::text = ${s.sessionId}::text and ${s.replaces}::text is not null
        and exists (select 1 from gone)
    )
    insert into audit_event (at, action, outcome, account_id, provider, ip, detail)
    select ${now}::timestamptz, 'sign_in', 'failure', account_id, ${s.provider}::text, ${s.ip}::text, ${detail}::jsonb
    from gone`.execute(db);
}

export async function revokeSession(db: Db, id: string, now: Date): Promise<void> {
  await db.updateTable('session').set({ revoked_at: now }).where('id', '=', id).execute();
}

/**
 * Ends session `id` when it is still open and audits that as the account's own `sign_out` (the
 * person as actor), in one statement: a session already ended, here or at the same moment
 * elsewhere, ends nothing and is not audited again. Whether this ended it.
 */
export async function signOutSession(
  db: Db,
  s: { sessionId: string; ip: string | null; detail?: Record<string, unknown> },
  now: Date,
): Promise<boolean> {
  const r = await sql`with ended as (
      update session set revoked_at = ${now}::timestamptz
      where id = ${s.sessionId}::text and revoked_at is null
      returning account_id
    )
    insert into audit_event (at, action, outcome, account_id, actor_account_id, ip, detail)
    select ${now}::timestamptz, 'sign_out', 'success', account_id, account_id, ${s.ip}::text, ${JSON.stringify(s.detail ?? {})}::jsonb
    from ended`.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}

export async function revokeAccountSessions(db: Db, accountId: string, now: Date, exceptId?: string): Promise<number> {
  let q = db
    .updateTable('session')
    .set({ revoked_at: now })
    .where('account_id', '=', accountId)
    .where('revoked_at', 'is', null);
  if (exceptId) q = q.where('id', '!=', exceptId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
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
