import { addSeconds } from '../clock.js';
import { hashToken, randomToken } from '../crypto/token.js';
import { type Db, preparedStatement } from '../db/connect.js';
import type { ProfileSnapshot } from '../db/schema.js';

export interface UnknownIdentityRegistration {
  key: { provider: string; subject: string };
  /** The received profile, with the reason the person lands on the external-login page. */
  profile: ProfileSnapshot & { reason: string };
  /** The provider's tokens, already sealed (or null). */
  sealedTokens: string | null;
  /** The hash of the browser cookie of the browser completing the sign-in: the registration works only there. */
  browserHash: string;
  returnTo: string | null;
  ttlSeconds: number;
  /** For the audit row. */
  ip: string | null;
}

/**
 * A first sign-in of an identity Lanyard does not know, without an email that could link it (no
 * verified address, or the provider's addresses are not trusted), in one statement and one round
 * trip instead of a transaction of five: the EXTERNAL registration (no email, bound to the browser,
 * its token stored hashed, the provider's tokens sealed) and its `registration_created` audit row.
 *
 * `decide` needs one fact for this answer — no identity of this (provider, subject) — and the
 * statement writes only when it holds; otherwise nothing is written and `null` sends the flow down
 * the full path, which decides as always. The transactional path reads that fact by a plain read
 * as well, without a lock: a concurrent callback that links the identity meanwhile leaves, here as
 * there, a registration whose later use finds the identity linked and is refused.
 *
 * Prepared once per connection, outside a transaction (`preparedStatement`).
 */
export async function registerUnknownIdentity(
  db: Db,
  r: UnknownIdentityRegistration,
  now: Date,
): Promise<{ registrationId: string; token: string } | null> {
  const token = randomToken();
  const result = await db.executeQuery<{ id: string }>(
    statement([
      r.key.provider,
      r.key.subject,
      hashToken(token),
      JSON.stringify(r.profile),
      r.sealedTokens,
      r.browserHash,
      r.returnTo,
      now,
      addSeconds(now, r.ttlSeconds),
      r.ip,
      r.profile.reason,
    ]),
  );
  const row = result.rows[0];
  return row ? { registrationId: row.id, token } : null;
}

// $1 provider, $2 subject, $3 token hash, $4 profile (json text), $5 sealed tokens, $6 browser hash,
// $7 return to, $8 now, $9 expiry, $10 ip, $11 reason (for the audit row's detail).
const statement = preparedStatement(`with fresh as (
  insert into registration (token_hash, type, email, provider, subject, profile, sealed_tokens, account_id,
    browser_hash, mailed, return_to, created_at, expires_at)
  select $3::text, 'EXTERNAL', null, $1::text, $2::text, $4::jsonb, $5::text, null, $6::text, false, $7::text,
    $8::timestamptz, $9::timestamptz
  where not exists (select 1 from identity where provider = $1::text and subject = $2::text)
  returning id
),
audited as (
  insert into audit_event (at, action, outcome, account_id, provider, subject, ip, detail)
  select $8::timestamptz, 'registration_created', 'success', null, $1::text, $2::text, $10::text,
    jsonb_build_object('reason', $11::text, 'registrationId', fresh.id)
  from fresh
)
select id from fresh`);
