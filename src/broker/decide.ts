import type { ErrorCode } from '../errors.js';
import { type ExternalProfile, primaryVerifiedEmail, type ProviderPolicy } from '../providers/profile.js';

/** What the broker needs to know about an account to decide. */
export interface AccountFacts {
  id: string;
  active: boolean;
  emailVerified: boolean;
  /** The account already has an identity of this provider (one per provider per account). */
  hasProvider: boolean;
  /** The account was merged into another (it stays disabled; its person signs in to the other). */
  merged?: boolean;
}

export interface BrokerFacts {
  /** 'link': a signed-in user started this from the account page (docs/design.md §3 case 2). */
  intent: 'sign_in' | 'link';
  /** The account the (provider, subject) identity belongs to, if any. */
  identityOwner: AccountFacts | null;
  /** The signed-in account, when there is one. */
  signedIn: AccountFacts | null;
  /** The account of the provider's primary verified email, else of another verified email it released. */
  emailOwner: AccountFacts | null;
}

export interface BrokerPolicy extends ProviderPolicy {
  selfRegistration: boolean;
}

/** Why the person lands on the external-login page, which decides what it offers. */
export type RegistrationReason =
  | 'email_unknown' // case 4: a trusted, verified email that no account uses
  | 'no_email' // case 5: nothing released (an address the person keeps private at the provider)
  | 'email_unverified' // case 5: only unverified addresses
  | 'email_untrusted' // case 5: the provider's emails are not trusted for linking
  | 'account_email_unverified' // case 3 → 5: the matching account never proved its own email
  | 'account_merged'; // case 3 → 5: the matching account was merged into another

export type Decision =
  | { kind: 'sign_in'; accountId: string }
  | { kind: 'link'; accountId: string; via: 'session' | 'email'; signIn: boolean }
  | { kind: 'already_linked'; accountId: string }
  | { kind: 'registration'; reason: RegistrationReason; email: string | null; canCreate: boolean }
  | { kind: 'refuse'; code: ErrorCode; accountId: string | null };

/**
 * The first-login decision of docs/design.md §3, as a pure function: no I/O, no clock, so each branch
 * is tested on its own (test/broker/decide.test.ts). `execute.ts` carries the decision out.
 */
export function decide(profile: Pick<ExternalProfile, 'emails'>, facts: BrokerFacts, policy: BrokerPolicy): Decision {
  const { identityOwner, signedIn } = facts;
  const linking = facts.intent === 'link' && signedIn !== null;

  // 1 & 8: the identity is known.
  if (identityOwner) {
    if (linking) {
      return identityOwner.id === signedIn.id
        ? { kind: 'already_linked', accountId: signedIn.id }
        : { kind: 'refuse', code: 'IDENTITY_LINKED_ELSEWHERE', accountId: signedIn.id };
    }
    return identityOwner.active
      ? { kind: 'sign_in', accountId: identityOwner.id }
      : { kind: 'refuse', code: 'ACCOUNT_DISABLED', accountId: identityOwner.id };
  }

  // 2: a signed-in user links from the account page.
  if (linking) {
    if (signedIn.hasProvider) return { kind: 'refuse', code: 'IDENTITY_ALREADY_LINKED', accountId: signedIn.id };
    if (!signedIn.emailVerified) return { kind: 'refuse', code: 'ACCOUNT_EMAIL_UNVERIFIED', accountId: signedIn.id };
    return { kind: 'link', accountId: signedIn.id, via: 'session', signIn: false };
  }

  const canCreate = policy.selfRegistration;
  const email = primaryVerifiedEmail(profile.emails)?.address ?? null;
  // 5: no usable email.
  if (!email)
    return {
      kind: 'registration',
      reason: profile.emails.length > 0 ? 'email_unverified' : 'no_email',
      email: null,
      canCreate,
    };
  if (!policy.trustEmail) return { kind: 'registration', reason: 'email_untrusted', email: null, canCreate };

  const owner = facts.emailOwner;
  // 4: trusted, verified, and no account uses it.
  if (!owner) return { kind: 'registration', reason: 'email_unknown', email, canCreate };
  // 3: it matches an account — link only into one that proved its own email (docs/design.md §4).
  if (!owner.emailVerified) return { kind: 'registration', reason: 'account_email_unverified', email: null, canCreate };
  // An account merged into another keeps its address but is no one's way in any more: the person
  // names the account they use now (the merge's survivor, under its own address).
  if (owner.merged) return { kind: 'registration', reason: 'account_merged', email: null, canCreate };
  if (!owner.active) return { kind: 'refuse', code: 'ACCOUNT_DISABLED', accountId: owner.id };
  if (owner.hasProvider) return { kind: 'refuse', code: 'IDENTITY_ALREADY_LINKED', accountId: owner.id };
  return { kind: 'link', accountId: owner.id, via: 'email', signIn: true };
}
