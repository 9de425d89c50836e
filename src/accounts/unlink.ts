import type { Account } from '../db/schema.js';
import { LanyardError } from '../errors.js';
import type { Lanyard } from '../lanyard.js';
import { recordAudit } from '../stores/audit.js';
import { deleteIdentity, listIdentities } from '../stores/identities.js';
import { loadProviderTokens } from '../stores/provider-tokens.js';
import { revokeAccountGrants } from '../stores/oidc-payloads.js';
import { revokeAccountSessions } from '../stores/sessions.js';
import { localeOf } from './password-accounts.js';

/**
 * Removes a way to sign in (docs/design.md §4): never the last one, and its provider revokes what it
 * can (an access token it handed out) so the repository keeps no access it was not meant to keep. The caller
 * checks that the sign-in is fresh. If the provider cannot be reached the identity is still
 * removed locally (the person asked for it) and the audit event says the revocation failed. The
 * account's other sessions are signed out, and its grants at the OpenID provider end.
 */
export async function unlinkIdentity(
  lanyard: Lanyard,
  account: Account,
  identityId: string,
  ip: string | null,
  keepSessionId?: string,
): Promise<void> {
  const identities = await listIdentities(lanyard.db, account.id);
  const identity = identities.find((i) => i.id === identityId);
  if (!identity) throw new LanyardError('NOT_FOUND', 'No such sign-in method on this account.');
  if (identities.length <= 1)
    throw new LanyardError('LAST_SIGN_IN_METHOD', 'This is the last way to sign in to the account.');

  let revoked: boolean | null = null;
  const provider = lanyard.providers.get(identity.provider);
  if (provider) {
    const tokens = await loadProviderTokens(lanyard.db, lanyard.config.secretKeys, identity.id);
    revoked = await provider.unlink(tokens).catch((e: unknown) => {
      lanyard.log.warn({ err: (e as Error).message, provider: provider.id }, 'token revocation failed');
      return false;
    });
  }
  await lanyard.db.transaction().execute(async (tx) => {
    const now = lanyard.clock.now();
    await deleteIdentity(tx, identity.id);
    // Recount after the delete, inside the transaction: two concurrent unlinks must not both pass
    // the check above and leave the account with no way in.
    await tx.selectFrom('account').select('id').where('id', '=', account.id).forUpdate().execute();
    if ((await listIdentities(tx, account.id)).length === 0)
      throw new LanyardError('LAST_SIGN_IN_METHOD', 'This is the last way to sign in to the account.');
    // Every other session ends, and with them their REST API Bearer tokens: one that the removed
    // identity opened must not outlive it. The session that asked stays.
    await revokeAccountSessions(tx, account.id, now, keepSessionId);
    // So do the grants at the OpenID provider, as for a password change: a repository's refresh
    // token obtained by signing in with the removed way (a stolen password, say) would go on
    // minting access tokens. The owner's repositories sign them in again.
    await revokeAccountGrants(tx, account.id);
    await recordAudit(
      tx,
      {
        action: 'unlink',
        accountId: account.id,
        actorAccountId: account.id,
        provider: identity.provider,
        subject: identity.subject,
        ip,
        detail: { tokenRevoked: revoked },
      },
      now,
    );
    const locale = localeOf(account);
    await lanyard.queueMail(tx, 'identity_removed', account.email, locale, {
      provider: lanyard.providers.identityName(identity.provider, locale),
      // A password's subject is the account id: nothing the reader would recognise.
      identifier:
        identity.provider === 'password'
          ? ''
          : ` ${lanyard.providers.identifier(identity.provider, identity.subject, identity.issuer)}`,
      profileLink: `${lanyard.config.publicUrl}/profile`,
    });
  });
}
