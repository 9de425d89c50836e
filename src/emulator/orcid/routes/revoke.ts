// `POST /oauth/revoke` (orcid-api-web/tutorial/revoke.md; ORCID-Source@HEAD `RevokeController`;
// docs/design.md, ORCID §1.7). Not advertised in discovery: clients must be told the URL.
import type { FastifyPluginAsync } from 'fastify';
import { oauthError, unsupportedMediaType } from '../lib/errors.js';
import { readForm } from '../lib/request.js';
import type { OrcidEmulatorState } from '../state.js';
import { authenticateClient } from './client-auth.js';

export const revokeRoutes: FastifyPluginAsync<{ state: OrcidEmulatorState }> = async (app, { state }) => {
  app.post('/oauth/revoke', { config: { orcidEmulatorGroup: 'revoke' } }, (request, reply) => {
    const form = readForm(request);
    if (form === null) return unsupportedMediaType(reply, request.headers['content-type']);
    const client = authenticateClient(state, request, form, reply);
    if (client === null) return reply;
    const token = form.get('token');
    if (!token) return oauthError(reply, 400, 'invalid_request', 'Please provide the token to be param');
    const now = state.now();
    // Access or refresh token alike; the pair goes together. An unknown token, or one issued to
    // another client, is answered 200 and left alone (RFC 7009 §2.2: nothing to reveal).
    const grant = state.tokens.byAccessToken(token, now) ?? state.tokens.byRefreshToken(token, now);
    if (grant && grant.clientId === client.clientId) state.tokens.revoke(grant);
    // "HTTP/1.1 200 OK" with an empty body.
    return reply.code(200).send();
  });
};
