import { recordScopes } from '../config/orcid-presets.js';
import type { Account, Identity } from '../db/schema.js';
import { LanyardError } from '../errors.js';
import type { Lanyard } from '../lanyard.js';
import { forgetRecord } from '../orcid-api/record.js';
import { translator } from '../i18n/index.js';
import type { ExternalProfile } from '../providers/profile.js';
import { describeAccess } from '../providers/orcid/scopes.js';
import { recordAudit } from '../stores/audit.js';
import { identityOf } from '../stores/identities.js';
import { type ProviderTokens, loadProviderTokens, saveProviderTokens } from '../stores/provider-tokens.js';
import { localeOf } from './password-accounts.js';

/**
 * What repositories connected through Lanyard may do on a researcher's ORCID record: the scopes of
 * the token Lanyard holds for the account's ORCID iD (docs/design.md, "ORCID on the researcher's
 * behalf"). The researcher grants more with a fresh ORCID authorization, or withdraws it.
 */
export interface OrcidAccess {
  identity: Identity;
  /** The stored token, or null after a withdrawal (the iD still signs in). */
  tokens: ProviderTokens | null;
  /** The scopes a member client may still ask for (none for a public API client). */
  missing: string[];
}

/** The ORCID entry's id, which is always `orcid` (the key its identities are stored under). */
const ORCID = 'orcid';

/** The account's ORCID identity and the access Lanyard holds for it; null when no iD is linked. */
export async function orcidAccess(lanyard: Lanyard, accountId: string): Promise<OrcidAccess | null> {
  const entry = lanyard.config.orcid;
  if (!entry) return null;
  const identity = await identityOf(lanyard.db, accountId, ORCID);
  if (!identity) return null;
  const tokens = await loadProviderTokens(lanyard.db, lanyard.config.secretKeys, identity.id);
  const held = tokens?.scopes ?? [];
  const missing = entry.member ? recordScopes.filter((s) => !held.includes(s)) : [];
  return { identity, tokens, missing };
}

/**
 * The scopes a "grant access" authorization asks for: sign-in's, what is held, and the record
 * scopes; asking again for a held scope keeps it (ORCID's new token replaces the stored one).
 */
export function scopesToGrant(lanyard: Lanyard, access: OrcidAccess): string[] {
  const entry = lanyard.config.orcid!;
  return [...new Set([...entry.scopes, ...(access.tokens?.scopes ?? []), ...recordScopes])];
}

/**
 * The callback of a "grant access" authorization: the new tokens replace the stored ones, but only
 * for the same ORCID iD as the one linked to the account. Another iD changes nothing: its fresh
 * token is revoked at ORCID (Lanyard keeps no access it was not meant to hold), the refusal audited.
 */
export async function replaceOrcidTokens(
  lanyard: Lanyard,
  account: Account,
  profile: ExternalProfile,
  ip: string | null,
): Promise<{ scopes: string[] }> {
  const entry = lanyard.config.orcid!;
  const identity = await identityOf(lanyard.db, account.id, ORCID);
  const now = lanyard.clock.now();
  if (!identity || identity.subject !== profile.subject) {
    const revoked = await revokeQuietly(lanyard, profile.tokens ?? null);
    await recordAudit(
      lanyard.db,
      {
        action: 'orcid_access_granted',
        outcome: 'failure',
        accountId: account.id,
        actorAccountId: account.id,
        provider: ORCID,
        subject: profile.subject,
        ip,
        detail: { reason: identity ? 'other_orcid_id' : 'no_orcid_id', linked: identity?.subject ?? null, revoked },
      },
      now,
    );
    throw new LanyardError(
      'ORCID_ID_MISMATCH',
      identity
        ? `You authorized ORCID iD ${profile.subject}, but this account is linked to ${identity.subject}. Nothing was changed.`
        : 'This account has no ORCID iD linked. Nothing was changed.',
      { authorized: profile.subject, linked: identity?.subject ?? '' },
    );
  }
  if (!profile.tokens) throw new LanyardError('PROVIDER_ERROR', 'ORCID returned no token.', { provider: 'ORCID' });
  const tokens = profile.tokens;
  await lanyard.db.transaction().execute(async (tx) => {
    await saveProviderTokens(tx, lanyard.config.secretKeys, identity.id, tokens, now);
    await recordAudit(
      tx,
      {
        action: 'orcid_access_granted',
        accountId: account.id,
        actorAccountId: account.id,
        provider: ORCID,
        subject: identity.subject,
        ip,
        detail: { scopes: tokens.scopes },
      },
      now,
    );
    await queueAccessNotice(lanyard, tx, account, identity, tokens.scopes);
  });
  forgetRecord(identity.subject);
  return { scopes: tokens.scopes };
}

/**
 * "Withdraw": the token is revoked at ORCID and Lanyard's copy deleted; the iD still signs in (its
 * next sign-in stores a sign-in token again). When ORCID cannot be reached the copy is deleted all
 * the same — nobody can use a token nobody holds — and the result says so.
 */
export async function withdrawOrcidAccess(
  lanyard: Lanyard,
  account: Account,
  ip: string | null,
): Promise<{ revokedAtOrcid: boolean }> {
  const access = await orcidAccess(lanyard, account.id);
  if (!access || !access.tokens) throw new LanyardError('NOT_FOUND', 'Lanyard holds no ORCID access for this account.');
  const revoked = await revokeQuietly(lanyard, access.tokens);
  const now = lanyard.clock.now();
  await lanyard.db.transaction().execute(async (tx) => {
    await tx.deleteFrom('provider_token').where('identity_id', '=', access.identity.id).execute();
    await recordAudit(
      tx,
      {
        action: 'orcid_access_withdrawn',
        accountId: account.id,
        actorAccountId: account.id,
        provider: access.identity.provider,
        subject: access.identity.subject,
        ip,
        detail: { scopes: access.tokens!.scopes, revokedAtOrcid: revoked },
      },
      now,
    );
    await queueAccessNotice(lanyard, tx, account, access.identity, []);
  });
  forgetRecord(access.identity.subject);
  return { revokedAtOrcid: revoked };
}

async function revokeQuietly(lanyard: Lanyard, tokens: ProviderTokens | null): Promise<boolean> {
  const provider = lanyard.config.orcid && lanyard.providers.get(ORCID);
  if (!provider || !tokens) return false;
  return provider.unlink(tokens).then(
    (r) => r === true,
    (e: unknown) => {
      lanyard.log.warn({ err: (e as Error).message, provider: provider.id }, 'token revocation failed');
      return false;
    },
  );
}

/** The security notice: what repositories may now do on the record, in the account's language. */
async function queueAccessNotice(
  lanyard: Lanyard,
  tx: Parameters<Lanyard['queueMail']>[0],
  account: Account,
  identity: Identity,
  scopes: string[],
) {
  const locale = localeOf(account);
  await lanyard.queueMail(tx, 'orcid_access_changed', account.email, locale, {
    identifier: lanyard.providers.identifier(identity.provider, identity.subject, identity.issuer),
    access: describeAccess(scopes, translator(locale)),
    consoleLink: `${lanyard.config.publicUrl}/profile/orcid`,
  });
}
