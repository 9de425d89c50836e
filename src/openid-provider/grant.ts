import type Provider from 'oidc-provider';
import type { Lanyard } from '../lanyard.js';
import { recordAudit } from '../stores/audit.js';
import { findOidcClient } from '../stores/oidc-clients.js';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

const scopesOf = (scope: string | undefined) => new Set((scope ?? '').split(' ').filter(Boolean));

/**
 * Grants the client what it asked for (a first-party client, or the person allowed it) and returns
 * the grant's id. A grant made or widened is audited as `consent_granted` with the scopes it gained
 * (`asked`: whether the person answered a consent page): the trail shows when a repository was
 * given access, `orcid.works` (leave to write to the ORCID record) included. The same grant given
 * again with nothing added (`prompt=consent` asked of a person who allowed it all) writes nothing.
 */
export async function grantRequested(
  lanyard: Lanyard,
  provider: Provider,
  details: Details,
  by: { accountId: string; ip: string; asked: boolean },
): Promise<string> {
  const clientId = String(details.params.client_id);
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId: by.accountId, clientId });
  const before = scopesOf(existing?.getOIDCScope());
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  // What a grant gains here is scopes: the claims parameter is off and no resource server is known
  // (every `resource` is refused), so no request asks for claims or resource scopes beyond them.
  const added = [...scopesOf(grant.getOIDCScope())].filter((s) => !before.has(s));
  if (added.length === 0) return grantId;
  const client = await findOidcClient(lanyard.db, clientId);
  await recordAudit(
    lanyard.db,
    {
      action: 'consent_granted',
      accountId: by.accountId,
      actorAccountId: by.accountId,
      ip: by.ip,
      detail: { client: clientId, clientName: client?.client_name ?? clientId, scopes: added, asked: by.asked },
    },
    lanyard.clock.now(),
  );
  return grantId;
}
