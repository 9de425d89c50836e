import { type Db, preparedStatement } from '../db/connect.js';
import type { Account } from '../db/schema.js';
import { accountColumns } from './accounts.js';
import type { IdentityInput } from './identities.js';
import { tokenUpsertSet, tokenValues, type ProviderTokens } from './provider-tokens.js';
import type { SecretKey } from '../config/schema.js';
import {
  earlierAgentsOf,
  parseAgents,
  sessionStartParameters,
  sessionStartParts,
  type SessionInput,
} from './sessions.js';

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
  const { parameters, row, cookieValue } = sessionStartParameters(
    { ...r.session, replaces: r.replaces, provider: r.key.provider, subject: r.key.subject },
    now,
  );
  const result = await db.executeQuery<Account & { earlier_agents: unknown }>(
    statement([
      ...parameters,
      r.refreshed.profile ? JSON.stringify(r.refreshed.profile) : null,
      r.refreshed.email,
      r.refreshed.emailVerified,
      t?.key_id ?? null,
      t?.access_token ?? null,
      t?.refresh_token ?? null,
      t?.scopes ?? null,
      t?.expires_at ?? null,
    ]),
  );
  const found = result.rows[0];
  if (!found) return null;
  const { earlier_agents, ...account } = found;
  return { account, sessionId: row.id, cookieValue, earlierAgents: parseAgents(earlier_agents) };
}

// $1–$10 the session (`sessionStartParameters`: now, the session replaced, the new one, provider
// and subject), $11 profile (json text, or null: unchanged), $12 email, $13 email verified, $14–$18
// sealed tokens (key id, access, refresh, scopes, expiry; $15 null: no tokens).
const statement = preparedStatement(`with owner as (
  select ${accountColumns('account')} from identity join account on account.id = identity.account_id
  where identity.provider = $9 and identity.subject = $10 and account.status = 'active' and account.can_log_in
),
touched as (
  update identity set last_used_at = $1::timestamptz, profile = coalesce($11::jsonb, profile),
    email = $12::text, email_verified = $13::boolean
  where provider = $9 and subject = $10 and account_id in (select id from owner)
  returning id, account_id
),
tokens as (
  insert into provider_token (identity_id, key_id, access_token, refresh_token, scopes, expires_at, updated_at)
  select touched.id, $14::text, $15::text, $16::text, $17::text, $18::timestamptz, $1::timestamptz
  from touched where $15::text is not null
  on conflict (identity_id) do update set
  ${tokenUpsertSet}
),
starter as (select account_id from touched),
${sessionStartParts}
select owner.*, ${earlierAgentsOf('owner.id')} as earlier_agents
from owner join touched on touched.account_id = owner.id`);
