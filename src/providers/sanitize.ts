import { readEmail } from '../accounts/email-address.js';
import { LanyardError } from '../errors.js';
import type { ExternalProfile } from './profile.js';

const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// C0 and C1 controls and DEL, line and paragraph separators, bidirectional overrides and isolates.
const controls = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/**
 * A provider's free text (a name) as Lanyard keeps and shows it: well-formed Unicode (an unpaired
 * surrogate becomes U+FFFD), no control characters (a NUL is refused by the database's JSON and
 * text columns), white space collapsed, at most `max` characters; empty is null.
 */
export function providerText(value: unknown, max = 200): string | null {
  if (typeof value !== 'string') return null;
  const text = value.replace(unpairedSurrogate, '\uFFFD').replace(controls, ' ').replace(/\s+/g, ' ').trim();
  return text ? Array.from(text).slice(0, max).join('').trim() : null;
}

/** An identifier is compared, not shown: one that needs cleaning is refused, never altered. */
function providerIdentifier(value: unknown, what: string): string {
  if (isCleanIdentifier(value)) return value;
  throw new LanyardError('PROVIDER_ERROR', `The provider sent an unusable ${what}.`);
}

function isCleanIdentifier(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 1024 && providerText(value, 1024) === value;
}

/**
 * The provider boundary: every profile passes here before the broker reads it, whichever
 * provider made it. Names are cleaned; each address goes through the parser typed addresses use
 * and is dropped unless it is exactly one address (docs/security.md); a subject or issuer that is
 * not clean text stops the sign-in with PROVIDER_ERROR.
 */
export function sanitizeProfile(profile: ExternalProfile): ExternalProfile {
  const emails: ExternalProfile['emails'] = [];
  for (const e of Array.isArray(profile.emails) ? profile.emails : []) {
    const address = readEmail(e?.address);
    if (address === null) continue;
    const verified = e.verified === true;
    const seen = emails.find((x) => x.address === address);
    if (seen) seen.verified ||= verified;
    else emails.push({ address, verified, ...(e.primary === true ? { primary: true } : {}) });
  }
  return {
    ...profile,
    provider: providerIdentifier(profile.provider, 'provider name'),
    subject: providerIdentifier(profile.subject, 'subject'),
    issuer: providerIdentifier(profile.issuer, 'issuer'),
    emails,
    ...(profile.formerSubjects ? { formerSubjects: profile.formerSubjects.filter(isCleanIdentifier).slice(0, 5) } : {}),
    givenName: providerText(profile.givenName),
    familyName: providerText(profile.familyName),
    displayName: providerText(profile.displayName),
    amr: (Array.isArray(profile.amr) ? profile.amr : []).flatMap((m) => providerText(m, 40) ?? []).slice(0, 10),
    tokens: profile.tokens && {
      ...profile.tokens,
      scopes: profile.tokens.scopes.flatMap((s) => providerText(s, 200) ?? []),
    },
  };
}
