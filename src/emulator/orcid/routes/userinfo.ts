// `/oauth/userinfo` (GET and POST), ORCID-Source@HEAD `OpenIDController` (docs/design.md, ORCID §1.9.4).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { echoCors } from '../lib/cors.js';
import { userinfoDenied } from '../lib/errors.js';
import { publicNameClaims } from '../lib/names.js';
import { sendJson } from '../lib/reply.js';
import { bearerToken, queryParams, readForm } from '../lib/request.js';
import { canAuthenticate } from '../lib/scopes.js';
import type { OrcidEmulatorState } from '../state.js';

export const userinfoRoutes: FastifyPluginAsync<{ state: OrcidEmulatorState }> = async (app, { state }) => {
  function answer(request: FastifyRequest, reply: FastifyReply, token: string | null) {
    echoCors(request, reply);
    const grant = token === null ? null : state.tokens.byAccessToken(token, state.now());
    // Only `/authenticate` or `openid` tokens; `/read-limited` or `/read-public` alone are refused.
    const user = grant?.orcid ? state.users.get(grant.orcid) : undefined;
    if (!grant || !user || !canAuthenticate(grant.scopes)) return userinfoDenied(reply);
    // `id`, `sub`, then the name claims with nulls serialized (`OpenIDConnectUserInfo.java`).
    return sendJson(reply, 200, { id: `${state.baseUrl}/${user.orcid}`, sub: user.orcid, ...publicNameClaims(user) });
  }

  const config = { orcidEmulatorGroup: 'userinfo' as const };
  app.get('/oauth/userinfo', { config }, (request, reply) => answer(request, reply, bearerToken(request)));
  // POST reads an `access_token` parameter (query or form) before the header (`getUserInfoPOST`).
  app.post('/oauth/userinfo', { config }, (request, reply) => {
    const param = queryParams(request).get('access_token') || readForm(request)?.get('access_token') || null;
    return answer(request, reply, param ?? bearerToken(request));
  });
};
