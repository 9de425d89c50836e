import type { Config } from '../config/schema.js';

/**
 * The values of RFC 8176 (Authentication Method Reference Values). A provider id that happens to
 * be one of them (an entry named `mfa` or `pwd`) must not pass for that method.
 */
const registeredMethods = new Set([
  'face', 'fpt', 'geo', 'hwk', 'iris', 'kba', 'mca', 'mfa', 'otp', 'pin', 'pop', 'pwd', 'rba', 'retina',
  'sc', 'sms', 'swk', 'tel', 'user', 'vbm', 'wia',
]); // prettier-ignore

/** What an IdP says when it did multi-factor authentication: OIDC's `amr`, SAML's REFEDS MFA profile. */
const mfaReports = new Set(['mfa', 'https://refeds.org/profile/mfa']);

/**
 * How a session signed in, as the `amr` Lanyard vouches for in the ID tokens it issues (and records
 * on the session): `pwd` for Lanyard's own password; `orcid` for ORCID, whether a returning sign-in
 * or the first login that created the account; another provider's own id (`ext` when that id is
 * itself a registered method name or `orcid`, so no entry can pose as one). `mfa` is added only
 * when the provider that authenticated the person reported multi-factor authentication (ORCID's
 * two-factor, an OIDC IdP's `mfa`, a SAML IdP's REFEDS MFA profile): Lanyard has none of its own.
 * What a provider reports otherwise (ORCID's `pwd`, a SAML AuthnContext class) says how the person
 * proved themselves there, not here, and is not passed on.
 */
export function signInMethods(config: Pick<Config, 'providers'>, provider: string, reported: string[]): string[] {
  if (provider === 'password') return ['pwd'];
  const mfa = reported.some((m) => mfaReports.has(m)) ? ['mfa'] : [];
  const type = config.providers.find((p) => p.id === provider)?.type;
  if (type === 'orcid') return ['orcid', ...mfa];
  return [registeredMethods.has(provider) || provider === 'orcid' ? 'ext' : provider, ...mfa];
}
