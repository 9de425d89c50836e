import type { OrcidEnv } from './schema.js';

/** ORCID's hosts (docs/design.md, ORCID §1.1): the site issues tokens, the API hosts serve records. */
export const orcidPresets: Record<
  Exclude<OrcidEnv, 'custom' | 'emulator'>,
  { siteUrl: string; memberApiUrl: string; publicApiUrl: string }
> = {
  production: {
    siteUrl: 'https://orcid.org',
    memberApiUrl: 'https://api.orcid.org',
    publicApiUrl: 'https://pub.orcid.org',
  },
  sandbox: {
    siteUrl: 'https://sandbox.orcid.org',
    memberApiUrl: 'https://api.sandbox.orcid.org',
    publicApiUrl: 'https://pub.sandbox.orcid.org',
  },
};

/** Scopes that only ORCID member clients may request; they need the member API for emails. */
export const memberScopes = ['/read-limited', '/activities/update', '/person/update'];
/**
 * What the account console asks a member client's researchers to grant beyond sign-in: read their
 * trusted-parties data and add or update works (and other activities) on their record.
 */
export const recordScopes = ['/read-limited', '/activities/update'];
export const knownScopes = ['openid', '/authenticate', '/read-public', ...memberScopes];
