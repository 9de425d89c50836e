import type { EntryReader } from '../../config/providers.js';
import type { OidcClaimMap, OidcEntry } from '../../config/schema.js';
import { isLoopback } from '../../lib/loopback.js';

const keys = ['issuer', 'clientId', 'clientSecret', 'tokenEndpointAuthMethod', 'scopes', 'claims'];
const authMethods = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export const defaultClaims: OidcClaimMap = {
  subject: 'sub',
  email: 'email',
  emailVerified: 'email_verified',
  givenName: 'given_name',
  familyName: 'family_name',
  name: 'name',
};

/** Reads an `oidc` entry of the providers list; every refusal names the entry, the key and the fix. */
export const readOidcEntry: EntryReader = (entry, ctx) => {
  const unknown = Object.keys(entry).find((k) => !keys.includes(k));
  if (unknown)
    throw ctx.fix(unknown, 'is not an OpenID Connect setting', `use only ${keys.join(', ')} and the shared keys`);

  let issuer: URL;
  try {
    issuer = new URL(String(entry.issuer ?? ''));
  } catch {
    throw ctx.fix(
      'issuer',
      `must be the IdP's issuer URL, got ${JSON.stringify(entry.issuer)}`,
      'copy "issuer" from the IdP\'s /.well-known/openid-configuration',
    );
  }
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopback(issuer.hostname)))
    throw ctx.fix(
      'issuer',
      `must use https (plain http only on loopback), got "${issuer.href}"`,
      "use the IdP's https issuer URL",
    );
  if (issuer.search || issuer.hash)
    throw ctx.fix('issuer', 'must not have a query or fragment', 'use the issuer exactly as the IdP announces it');

  const clientId = entry.clientId;
  if (typeof clientId !== 'string' || !clientId.trim())
    throw ctx.fix('clientId', 'is required', 'register Lanyard as a client at the IdP and copy its client id');

  const method = entry.tokenEndpointAuthMethod ?? 'client_secret_basic';
  if (!authMethods.includes(method as (typeof authMethods)[number]))
    throw ctx.fix(
      'tokenEndpointAuthMethod',
      `must be one of ${authMethods.join(', ')}, got ${JSON.stringify(method)}`,
      'use what the client is registered with at the IdP (usually client_secret_basic)',
    );
  const clientSecret = entry.clientSecret;
  if (method !== 'none' && (typeof clientSecret !== 'string' || !clientSecret))
    throw ctx.fix(
      'clientSecret',
      `is required with ${String(method)}`,
      'copy the client secret from the IdP, or set "tokenEndpointAuthMethod": "none" for a public client',
    );
  if (clientSecret !== undefined && typeof clientSecret !== 'string')
    throw ctx.fix('clientSecret', 'must be a string', 'put the secret in quotes');

  const rawScopes = entry.scopes ?? ['openid', 'email', 'profile'];
  const scopes = typeof rawScopes === 'string' ? rawScopes.split(/\s+/).filter(Boolean) : rawScopes;
  if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)))
    throw ctx.fix(
      'scopes',
      `must be a list of scope names, got ${JSON.stringify(rawScopes)}`,
      'e.g. ["openid", "email", "profile"]',
    );
  if (!scopes.includes('openid'))
    throw ctx.fix('scopes', 'must include openid', 'add "openid" (without it there is no ID token)');

  const rawClaims = entry.claims ?? {};
  if (typeof rawClaims !== 'object' || rawClaims === null || Array.isArray(rawClaims))
    throw ctx.fix('claims', 'must be an object', `map some of ${Object.keys(defaultClaims).join(', ')} to claim names`);
  const claims = { ...defaultClaims };
  for (const [k, v] of Object.entries(rawClaims)) {
    if (!(k in defaultClaims))
      throw ctx.fix(`claims.${k}`, 'is not a mapped field', `map only ${Object.keys(defaultClaims).join(', ')}`);
    if (typeof v !== 'string' || !v)
      throw ctx.fix(`claims.${k}`, 'must be a claim name', `e.g. "${defaultClaims[k as keyof OidcClaimMap]}"`);
    claims[k as keyof OidcClaimMap] = v;
  }

  const result: OidcEntry = {
    ...ctx.base,
    type: 'oidc',
    // Kept as written: the discovery document's issuer must equal it exactly.
    issuer: String(entry.issuer),
    clientId: clientId.trim(),
    clientSecret: typeof clientSecret === 'string' && clientSecret ? clientSecret : null,
    tokenEndpointAuthMethod: method as OidcEntry['tokenEndpointAuthMethod'],
    scopes: scopes as string[],
    claims,
  };
  return result;
};
