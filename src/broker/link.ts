import type { Db } from '../db/connect.js';
import type { Account, Identity, ProfileSnapshot } from '../db/schema.js';
import type { Lanyard } from '../lanyard.js';
import { localeOf } from '../accounts/password-accounts.js';
import { type ExternalProfile, primaryVerifiedEmail } from '../providers/profile.js';
import { recordAudit } from '../stores/audit.js';
import { insertIdentity } from '../stores/identities.js';
import { type ProviderTokens, saveProviderTokens } from '../stores/provider-tokens.js';

/** The part of a provider's profile kept with an identity or a registration. */
export function snapshotOf(profile: ExternalProfile): ProfileSnapshot {
  return {
    givenName: profile.givenName,
    familyName: profile.familyName,
    displayName: profile.displayName,
    emails: profile.emails,
    scopes: profile.tokens?.scopes ?? [],
    issuer: profile.issuer,
    ...(profile.hints ? { hints: profile.hints } : {}),
  };
}

export interface LinkInput {
  provider: string;
  subject: string;
  snapshot: ProfileSnapshot;
  tokens: ProviderTokens | null;
}

/**
 * Links an identity to an account — the one way every path (auto-link, link from the account
 * page, create from a registration, review-and-merge) adds an identity. It stores the tokens
 * sealed, audits the link and sends the account the security notice of docs/design.md §3 case 3.
 * A concurrent link of the same identity fails on the unique (provider, subject) constraint.
 */
export async function linkIdentity(
  lanyard: Lanyard,
  tx: Db,
  account: Account,
  input: LinkInput,
  audit: { via: string; actorAccountId?: string | null; ip?: string | null },
): Promise<Identity> {
  const now = lanyard.clock.now();
  const verified = primaryVerifiedEmail(input.snapshot.emails ?? []);
  const identity = await insertIdentity(
    tx,
    account.id,
    {
      provider: input.provider,
      subject: input.subject,
      issuer: input.snapshot.issuer ?? null,
      email: verified?.address ?? null,
      emailVerified: verified !== null,
      profile: input.snapshot,
    },
    now,
  );
  if (input.tokens) await saveProviderTokens(tx, lanyard.config.secretKeys, identity.id, input.tokens, now);
  await recordAudit(
    tx,
    {
      action: 'link',
      accountId: account.id,
      actorAccountId: audit.actorAccountId ?? null,
      provider: input.provider,
      subject: input.subject,
      ip: audit.ip ?? null,
      detail: { via: audit.via },
    },
    now,
  );
  await lanyard.queueMail(tx, 'identity_linked', account.email, localeOf(account), {
    provider: lanyard.providers.identityName(input.provider, localeOf(account)),
    identifier: lanyard.providers.identifier(input.provider, input.subject, input.snapshot.issuer),
    profileLink: `${lanyard.config.publicUrl}/profile`,
  });
  return identity;
}
