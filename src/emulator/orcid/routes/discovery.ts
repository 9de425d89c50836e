// `/.well-known/openid-configuration` and `/oauth/jwks`.
import type { FastifyPluginAsync } from 'fastify';
import { echoCors } from '../lib/cors.js';
import { sendJson, JSON_UTF8 } from '../lib/reply.js';
import type { OrcidEmulatorState } from '../state.js';

/**
 * ORCID's discovery document byte for byte with the base substituted: Jackson's default pretty
 * printer (` : `, `[ "a", "b" ]`), this field order, `issuer` last, no trailing newline
 * (ORCID-Source@HEAD `OpenIDConnectDiscoveryService`, `OpenIDController.getOpenIDDiscovery`;
 * order and 826-byte length from nemar's capture; docs/design.md, ORCID §1.9.1). It advertises no
 * PKCE, no revocation endpoint and no client_credentials, exactly like the real one.
 */
export function discoveryDocument(base: string): string {
  return `{
  "token_endpoint_auth_signing_alg_values_supported" : [ "RS256" ],
  "id_token_signing_alg_values_supported" : [ "RS256" ],
  "userinfo_endpoint" : "${base}/oauth/userinfo",
  "authorization_endpoint" : "${base}/oauth/authorize",
  "token_endpoint" : "${base}/oauth/token",
  "jwks_uri" : "${base}/oauth/jwks",
  "claims_supported" : [ "family_name", "given_name", "name", "auth_time", "iss", "sub" ],
  "scopes_supported" : [ "openid" ],
  "subject_types_supported" : [ "public" ],
  "response_types_supported" : [ "code", "id_token", "id_token token" ],
  "claims_parameter_supported" : false,
  "token_endpoint_auth_methods_supported" : [ "client_secret_post" ],
  "grant_types_supported" : [ "authorization_code", "implicit", "refresh_token" ],
  "issuer" : "${base}"
}`;
}

export const discoveryRoutes: FastifyPluginAsync<{ state: OrcidEmulatorState }> = async (app, { state }) => {
  const config = { orcidEmulatorGroup: 'discovery' as const };
  const document = discoveryDocument(state.baseUrl);

  app.get('/.well-known/openid-configuration', { config }, (request, reply) => {
    echoCors(request, reply);
    return reply.header('content-type', JSON_UTF8).send(document);
  });

  // `{"keys":[…]}` with the key's members in ORCID's order and no `alg` (aces/Loris#8927; §1.9.2).
  app.get('/oauth/jwks', { config }, (request, reply) => {
    echoCors(request, reply);
    return sendJson(reply, 200, { keys: [state.signingKey.jwk] });
  });
};
