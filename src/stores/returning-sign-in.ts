import { type Db, preparedStatement } from '../db/connect.js';
import type { Account } from '../db/schema.js';
import type { IdentityInput } from './identities.js';
import { tokenUpsertSet, tokenValues, type ProviderTokens } from './provider-tokens.js';
import type { SecretKey } from '../config/schema.js';
import { DEVICES_REMEMBERED, newSession, type SessionInput } from './sessions.js';

export interface ReturningSignIn {
  key: { provider: string; subject: string };
  /** What the provider released this time (an identity keeps its profile when `profile` is absent). */
  refreshed: { profile?: IdentityInput['profile']; email: string | null; emailVerified: boolean };
  tokens: ProviderTokens | null | undefined;
  keys: SecretKey[];
  /** The session to start; `accountId` is the identity's owner, found by the statement itself. */
  session: Omit<SessionInput, 'accountId'>;
  /** The browser's current session, revoked by the same statement (rotation). */
  replaces: string | null;
}

/**
 * A known identity of an active account signs in, in one statement and one round trip instead of a
 * transaction of five: the identity is refreshed, its tokens upserted (never narrowed, as
 * `touchIdentityWithTokens`), the browser's previous session revoked, the new session and its
 * sign-in audit row inserted; the statement answers the owner's account row and the User-Agents of
 * its latest earlier sessions (read from the snapshot before the insert).
 *
 * Every write hangs off `touched`, the identity row the statement updated — its lock is taken as
 * the transactional path takes it — and `touched` only holds a row when the identity exists and its
 * account may sign in. Otherwise nothing is written and `null` is returned: the caller runs the full
 * first-login flow, which decides (and refuses a disabled account) as always.
 *
 * Written out as SQL text once and prepared once per connection, not built and planned per call:
 * this statement runs on every returning sign-in.
 */
export async function signInReturning(
  db: Db,
  r: ReturningSignIn,
  now: Date,
): Promise<{ account: Account; sessionId: string; cookieValue: string; earlierAgents: (string | null)[] } | null> {
  const t = r.tokens ? tokenValues(r.keys, r.tokens, now) : null;
  const { row: s, cookieValue } = newSession({ ...r.session, accountId: '' }, now);
  const result = await db.executeQuery<Account & { earlier_agents: unknown }>(
    statement([
      r.key.provider,
      r.key.subject,
      now,
      r.refreshed.profile ? JSON.stringify(r.refreshed.profile) : null,
      r.refreshed.email,
      r.refreshed.emailVerified,
      t?.key_id ?? null,
      t?.access_token ?? null,
      t?.refresh_token ?? null,
      t?.scopes ?? null,
      t?.expires_at ?? null,
      r.replaces,
      s.id,
      s.secret_hash,
      s.amr,
      s.expires_at,
      s.ip,
      s.user_agent,
    ]),
  );
  const found = result.rows[0];
  if (!found) return null;
  const { earlier_agents, ...account } = found;
  const agents = typeof earlier_agents === 'string' ? JSON.parse(earlier_agents) : earlier_agents;
  return { account: account as Account, sessionId: s.id, cookieValue, earlierAgents: agents as (string | null)[] };
}

// $1 provider, $2 subject, $3 now, $4 profile (json text or null: unchanged), $5 email, $6 email verified,
// $7–$11 sealed tokens (key id, access, refresh, scopes, expiry; $8 null: no tokens), $12 the session
// replaced, $13–$18 the new session (id, secret hash, amr, expiry, ip, user agent).
const statement = preparedStatement(`with owner as (
  select account.* from identity join account on account.id = identity.account_id
  where identity.provider = $1 and identity.subject = $2 and account.status = 'active' and account.can_log_in
),
touched as (
  update identity set last_used_at = $3::timestamptz, profile = coalesce($4::jsonb, profile),
    email = $5::text, email_verified = $6::boolean
  where provider = $1 and subject = $2 and account_id in (select id from owner)
  returning id, account_id
),
tokens as (
  insert into provider_token (identity_id, key_id, access_token, refresh_token, scopes, expires_at, updated_at)
  select touched.id, $7::text, $8::text, $9::text, $10::text, $11::timestamptz, $3::timestamptz
  from touched where $8::text is not null
  on conflict (identity_id) do update set
  ${tokenUpsertSet}
),
replaced as (
  update session set revoked_at = $3::timestamptz
  where id = $12::text and revoked_at is null and exists (select 1 from touched)
),
new_session as (
  insert into session (id, secret_hash, account_id, amr, authenticated_at, created_at, expires_at, last_seen_at, ip, user_agent)
  select $13::text, $14::text, touched.account_id, $15::text, $3::timestamptz, $3::timestamptz, $16::timestamptz,
    $3::timestamptz, $17::text, $18::text
  from touched
  returning account_id
),
audited as (
  insert into audit_event (at, action, outcome, account_id, provider, subject, ip, detail)
  select $3::timestamptz, 'sign_in', 'success', account_id, $1, $2, $17::text, '{}'::jsonb from new_session
)
select owner.*, (select coalesce(json_agg(earlier.user_agent), '[]'::json) from (
    select user_agent from session where session.account_id = owner.id
    order by created_at desc limit ${DEVICES_REMEMBERED}) earlier) as earlier_agents
from owner join touched on touched.account_id = owner.id`);
