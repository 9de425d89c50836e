import type { LanyardError } from '../errors.js';
import type { ProviderTokens } from '../stores/provider-tokens.js';

/**
 * What every provider hands the broker after it authenticated someone (docs/design.md §3 "Input").
 * `emails` lists only what the provider released; `verified` is the provider's own word.
 */
export interface ExternalProfile {
  provider: string;
  subject: string;
  issuer: string;
  emails: { address: string; verified: boolean; primary?: boolean }[];
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  tokens: ProviderTokens | null;
  /** Authentication methods the provider reports (ORCID's `amr` is a string: "pwd" or "mfa"). */
  amr: string[];
  /**
   * Set when the provider authenticated the person but could not list their emails (ORCID's email
   * API down). The broker lets a known identity sign in with the emails it had, and refuses a new
   * one with this error.
   */
  emailsUnavailable?: LanyardError;
  /**
   * Other identifiers the provider released for the same person in the same answer, in its order
   * of preference, under which an earlier sign-in may have kept the identity (an IdP that began to
   * release SAML subject-id beside the persistent NameID it always sent). Only identifiers that are
   * never given to someone else belong here.
   */
  formerSubjects?: string[];
  /** Claims kept as hints only (an `orcid` claim from an institution is not an ORCID identity). */
  hints?: Record<string, string>;
}

/**
 * The one address the broker uses from a provider (docs/design.md, "Emails"): the primary one if
 * the provider marked it verified, else the first verified one; never an unverified address.
 */
export function primaryVerifiedEmail(
  emails: readonly { address: string; verified: boolean; primary?: boolean }[],
): { address: string; verified: true } | null {
  const verified = emails.filter((e) => e.verified);
  const chosen = verified.find((e) => e.primary) ?? verified[0];
  return chosen ? { address: chosen.address, verified: true } : null;
}

/** The provider's policy for using a released email (docs/design.md §3 case 3). */
export interface ProviderPolicy {
  /** Link and sign in on a verified email matching an account. */
  trustEmail: boolean;
}
