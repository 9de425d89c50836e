// `POST /oauth/token`, also answered under the API bases as on api.orcid.org and pub.orcid.org
// (ORCID-Source `OrcidApiCommonEndpoints` `@Path(OAUTH_TOKEN)`; docs/design.md, ORCID §1.1, §1.4).
// Checks in ORCID's order: form body, `grant_type`, client authentication, then the grant.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { authorizationCodeGrant } from '../grants/authorization-code.js';
import { clientCredentialsGrant } from '../grants/client-credentials.js';
import { refreshTokenGrant } from '../grants/refresh-token.js';
import { oauthError, unsupportedMediaType } from '../lib/errors.js';
import { noStore } from '../lib/reply.js';
import { readForm } from '../lib/request.js';
import type { OrcidEmulatorState } from '../state.js';
import { authenticateClient } from './client-auth.js';

const GRANTS = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
} as const;

export const tokenRoutes: FastifyPluginAsync<{ state: OrcidEmulatorState }> = async (app, { state }) => {
  async function token(request: FastifyRequest, reply: FastifyReply) {
    // Form only: JSON and everything else get 415 (nemar-observed; `@Consumes(APPLICATION_FORM_URLENCODED)`).
    const form = readForm(request);
    if (form === null) return unsupportedMediaType(reply, request.headers['content-type']);
    noStore(reply);
    const grantType = form.get('grant_type');
    if (!grantType) return oauthError(reply, 400, 'unsupported_grant_type', 'grant_type is missing');
    const client = authenticateClient(state, request, form, reply);
    if (client === null) return reply;
    const grant = Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType as keyof typeof GRANTS] : undefined;
    if (!grant) return oauthError(reply, 400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);
    return grant(state, client, form, reply);
  }

  const config = { orcidEmulatorGroup: 'token' as const };
  for (const prefix of ['', '/member-api', '/pub-api']) app.post(`${prefix}/oauth/token`, { config }, token);
};
