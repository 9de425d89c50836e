import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db } from './connect.js';
import * as initial from './migrations/0001-initial.js';
import * as saml from './migrations/0004-saml.js';
import * as mailHeldBack from './migrations/0010-mail-held-back.js';
import * as canonicalEmail from './migrations/0011-canonical-email.js';
import * as registrationMergedInto from './migrations/0019-registration-merged-into.js';
import * as registrationBrowser from './migrations/0013-registration-browser.js';
import * as passwordThrottle from './migrations/0015-password-throttle.js';
import * as oidcPayload from './migrations/0021-oidc-payload.js';
import * as samlIdpSearch from './migrations/0025-saml-idp-search.js';
import * as registrationReturnTo from './migrations/0027-registration-return-to.js';
import * as sessionLastSeen from './migrations/0031-session-last-seen.js';
import * as auditAppendOnly from './migrations/0034-audit-append-only.js';
import * as lookupIndexes from './migrations/0032-lookup-indexes.js';
import * as registrationChangeEmail from './migrations/0039-registration-change-email.js';
import * as orcidWorks from './migrations/0035-orcid-works.js';
import * as duplicateIndexes from './migrations/0040-duplicate-indexes.js';
import * as oidcReadTogether from './migrations/0042-oidc-read-together.js';
import * as sessionAccountLatest from './migrations/0044-session-account-latest.js';
import * as samlIdpValidUntil from './migrations/0045-saml-idp-valid-until.js';
import * as accountMergedInto from './migrations/0046-account-merged-into.js';
import * as registrationProvedBrowser from './migrations/0047-registration-proved-browser.js';

const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0004-saml': saml,
  '0010-mail-held-back': mailHeldBack,
  '0011-canonical-email': canonicalEmail,
  '0019-registration-merged-into': registrationMergedInto,
  '0013-registration-browser': registrationBrowser,
  '0015-password-throttle': passwordThrottle,
  '0021-oidc-payload': oidcPayload,
  '0025-saml-idp-search': samlIdpSearch,
  '0027-registration-return-to': registrationReturnTo,
  '0031-session-last-seen': sessionLastSeen,
  '0034-audit-append-only': auditAppendOnly,
  '0032-lookup-indexes': lookupIndexes,
  '0039-registration-change-email': registrationChangeEmail,
  '0035-orcid-works': orcidWorks,
  '0040-duplicate-indexes': duplicateIndexes,
  '0042-oidc-read-together': oidcReadTogether,
  '0044-session-account-latest': sessionAccountLatest,
  '0045-saml-idp-valid-until': samlIdpValidUntil,
  '0046-account-merged-into': accountMergedInto,
  '0047-registration-proved-browser': registrationProvedBrowser,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

// Features land in any order, so a database may already hold a higher-numbered migration when a
// lower-numbered one arrives; each migration only adds its own tables and columns, so order is free.
const options = { provider, allowUnorderedMigrations: true } as const;

/**
 * Applies pending migrations. Kysely's PostgreSQL adapter takes a transaction-scoped advisory
 * lock first, so several Lanyard processes starting at once apply each migration exactly once.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await new Migrator({ db, ...options }).migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when every known migration has been applied (used by /readyz). */
export async function migrationsApplied(db: Db): Promise<boolean> {
  const all = await new Migrator({ db, ...options }).getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}
