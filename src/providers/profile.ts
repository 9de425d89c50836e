import type { ProviderTokens } from '../stores/provider-tokens.js';

/**
 * What every provider hands the broker after it authenticated someone (product.md §3 "Input").
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
}

/** The provider's policy for using a released email (product.md §3 case 3). */
export interface ProviderPolicy {
  /** Link and sign in on a verified email matching an account. */
  trustEmail: boolean;
}
