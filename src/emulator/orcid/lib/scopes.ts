// ORCID scopes: which grant may ask for which, and what a granted set allows.
// Values: orcid-model `ScopeConstants.java`; hierarchy: `ScopePathType.java` (docs/design.md, ORCID §1.3).

export const AUTHENTICATE = '/authenticate';
export const OPENID = 'openid';
export const READ_PUBLIC = '/read-public';
export const READ_LIMITED = '/read-limited';

// Scopes a user grants through /oauth/authorize (3-legged).
const THREE_LEGGED = new Set([
  AUTHENTICATE,
  OPENID,
  READ_LIMITED,
  '/person/read-limited',
  '/activities/read-limited',
  '/activities/update',
  '/person/update',
]);
// Scopes only client_credentials (2-legged) may obtain (record_2.1/README.md "Scopes").
const CLIENT_CREDENTIALS = new Set([READ_PUBLIC, '/webhook']);
// "the /read-limited scope cannot be used with public API clients" (tutorial/api_errors.md);
// the same holds for every scope the Member API alone serves.
const MEMBER_ONLY = new Set([
  READ_LIMITED,
  '/person/read-limited',
  '/activities/read-limited',
  '/activities/update',
  '/person/update',
  '/webhook',
]);

/**
 * The scopes of a `scope` parameter, in order, duplicates dropped. ORCID splits on runs of
 * spaces and `+` (legacy `OauthHelper`: `scopesString.replaceAll("( |\\+)+", " ")`).
 */
export function splitScopes(raw: string | undefined | null): string[] {
  if (!raw) return [];
  return [...new Set(raw.split(/[ +]+/).filter(Boolean))];
}

/**
 * The scopes an authorize request may be granted, or null for `invalid_scope`: unknown and
 * member-only-for-a-public-client scopes are refused; client-credential scopes are dropped, as
 * the token endpoint drops them for every grant but client_credentials
 * (legacy `OrcidClientCredentialEndPointDelegatorImpl.obtainOauth2Token`).
 */
export function authorizeScopes(requested: string[], member: boolean): string[] | null {
  const granted: string[] = [];
  for (const scope of requested) {
    if (CLIENT_CREDENTIALS.has(scope)) continue;
    if (!THREE_LEGGED.has(scope) || (!member && MEMBER_ONLY.has(scope))) return null;
    granted.push(scope);
  }
  return granted.length > 0 ? granted : null;
}

/** client_credentials keeps only 2-legged scopes, silently dropping the rest; default `/read-public`. */
export function clientCredentialScopes(requested: string[], member: boolean): string[] {
  const kept = requested.filter((s) => CLIENT_CREDENTIALS.has(s) && (member || !MEMBER_ONLY.has(s)));
  return kept.length > 0 ? kept : [READ_PUBLIC];
}

/** `openid` ⊃ `/authenticate` (ScopePathType): userinfo accepts either. */
export const canAuthenticate = (scopes: readonly string[]): boolean =>
  scopes.includes(AUTHENTICATE) || scopes.includes(OPENID);

/** `/read-limited` ⊃ `/person/read-limited` + `/activities/read-limited` (ScopePathType). */
export function canReadLimited(scopes: readonly string[], part: 'person' | 'activities'): boolean {
  return scopes.includes(READ_LIMITED) || scopes.includes(`/${part}/read-limited`);
}

/**
 * `/activities/update` ⊃ works, funding, affiliations and peer-review create and update
 * (ScopePathType): the member API's writes need it (`checkClientAccessAndScopes`).
 */
export const canUpdateActivities = (scopes: readonly string[]): boolean => scopes.includes('/activities/update');
