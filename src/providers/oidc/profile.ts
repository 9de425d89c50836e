import type { OidcEntry } from '../../config/schema.js';
import { LanyardError } from '../../errors.js';
import type { ExternalProfile } from '../profile.js';
import type { ProviderTokens } from '../../stores/provider-tokens.js';

const text = (value: unknown, max: number): string | null => {
  if (typeof value !== 'string') return null;
  // Control characters never belong in a name or an address (they would reach pages and mails).
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean && clean.length <= max ? clean : null;
};

/** A plausible address, or null: one @, no spaces, at most 254 characters (RFC 5321). */
const address = (value: unknown): string | null => {
  const v = text(value, 254);
  return v && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? v : null;
};

/**
 * The ID token's claims with userinfo's merged under them — except the email and whether it is
 * verified, which are one statement and come together from one source: the ID token's when it
 * names an email, else userinfo's. Mixed, an ID token's unverified `email` (no `email_verified`)
 * took userinfo's `email_verified: true`, which spoke of another address, and linked into the
 * account that owned the unverified one.
 */
export function mergeClaims(
  entry: OidcEntry,
  idToken: Record<string, unknown>,
  userinfo: Record<string, unknown>,
): Record<string, unknown> {
  const { email, emailVerified } = entry.claims;
  const source = idToken[email] !== undefined ? idToken : userinfo;
  return { ...userinfo, ...idToken, [email]: source[email], [emailVerified]: source[emailVerified] };
}

/**
 * The normalized profile from the ID token's claims (with userinfo's merged under them), mapped by
 * the entry's `claims`. An email counts as verified only when `email_verified` is the boolean
 * `true` — not the string "true", not missing. An `orcid` claim is kept as a hint only: the IdP
 * asserting an iD does not make it an ORCID-authenticated one.
 */
export function profileOf(
  entry: OidcEntry,
  claims: Record<string, unknown>,
  tokens: ProviderTokens | null,
): ExternalProfile {
  const map = entry.claims;
  const subject = text(claims[map.subject], 255);
  if (!subject)
    throw new LanyardError('OIDC_ID_TOKEN_INVALID', `${entry.label.en} sent no usable "${map.subject}" claim.`, {
      provider: entry.label.en,
    });
  const email = address(claims[map.email]);
  const orcid = text(claims.orcid, 100);
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((a): a is string => typeof a === 'string') : [];
  return {
    provider: entry.id,
    subject,
    issuer: entry.issuer,
    emails: email ? [{ address: email, verified: claims[map.emailVerified] === true, primary: true }] : [],
    givenName: text(claims[map.givenName], 200),
    familyName: text(claims[map.familyName], 200),
    displayName: text(claims[map.name], 200),
    tokens,
    amr: amr.length ? amr.slice(0, 10) : [entry.id],
    ...(orcid ? { hints: { orcid } } : {}),
  };
}
