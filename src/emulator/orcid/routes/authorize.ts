// `GET /oauth/authorize`: validate (authorize/request.ts), decide (authorize/decide.ts), then
// redirect or show a page. Also ORCID's force sign-out URL, `/userStatus.json?logUserOut=true`
// (https://info.orcid.org/faq-category/oauth/page/2/; docs/design.md, ORCID §2.6).
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { decideAuthorize } from '../authorize/decide.js';
import { approvalKey, validateAuthorizeRequest, type AuthorizeRequest } from '../authorize/request.js';
import { oauthError } from '../lib/errors.js';
import { queryParams } from '../lib/request.js';
import { PAGE_CSP } from '../page-shell.js';
import { consentPage, signInPage, type PageContext } from '../pages.js';
import { SESSION_COOKIE } from '../session.js';
import type { OrcidEmulatorState } from '../state.js';

/** `redirect_uri` as sent, plus parameters: the URI is not re-serialized, so exchange equality holds. */
function withQuery(uri: string, params: Record<string, string | null>): string {
  const query = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return `${uri}${uri.includes('?') ? '&' : '?'}${query}`;
}

export const authorizeRoutes: FastifyPluginAsync<{ state: OrcidEmulatorState }> = async (app, { state }) => {
  const cookiePath = state.basePath;

  function signIn(reply: FastifyReply, orcid: string, now: number): void {
    state.users.get(orcid)!.lastLogin = now;
    const value = state.sessions.encode({ orcid, authTime: now });
    reply.header('set-cookie', `${SESSION_COOKIE}=${value}; Path=${cookiePath}; HttpOnly; SameSite=Lax`);
  }

  function grant(reply: FastifyReply, request: AuthorizeRequest, orcid: string, authTime: number) {
    state.approvals.add(approvalKey(request.client.clientId, orcid, request.scopes));
    const { code } = state.codes.issue(
      {
        clientId: request.client.clientId,
        orcid,
        redirectUri: request.redirectUri,
        scopes: request.scopes,
        nonce: request.nonce,
        authTime,
      },
      state.now(),
    );
    return reply.redirect(withQuery(request.redirectUri, { code, state: request.state }), 302);
  }

  app.get('/oauth/authorize', { config: { orcidEmulatorGroup: 'authorize' } }, (req, reply) => {
    const params = queryParams(req);
    const validation = validateAuthorizeRequest(state, params);
    if (validation.kind === 'reject') {
      return oauthError(reply, 400, 'invalid_request', validation.description, { descriptionFirst: true });
    }
    if (validation.kind === 'redirect') return reply.redirect(validation.location, 302);
    const { request } = validation;

    const loginAs = params.get('login_as');
    if (loginAs !== null && !state.users.has(loginAs)) {
      return oauthError(reply, 400, 'invalid_request', `login_as: no emulator user with iD ${loginAs}`);
    }
    // "Sign out of the emulator" (a page button): forget the session, then show the user picker.
    const signOut = params.get('sign_out') === '1';
    if (signOut)
      reply.header('set-cookie', `${SESSION_COOKIE}=; Path=${cookiePath}; HttpOnly; SameSite=Lax; Max-Age=0`);
    const session = signOut ? null : state.sessions.decode(req.headers.cookie);
    const now = state.now();
    const decision = decideAuthorize({
      request,
      hooks: { loginAs, deny: params.get('deny') === '1', approve: params.get('approve') === '1' },
      session: session && state.users.has(session.orcid) ? session : null,
      approved: (orcid) => state.approvals.has(approvalKey(request.client.clientId, orcid, request.scopes)),
      now,
      alwaysChooseUser: state.alwaysChooseUser,
    });

    switch (decision.kind) {
      case 'grant':
        if (decision.signIn) signIn(reply, decision.orcid, now);
        return grant(reply, request, decision.orcid, decision.authTime);
      case 'deny':
        if (decision.signInAs !== null) signIn(reply, decision.signInAs, now);
        // src@legacy `OauthControllerBase.buildDenyRedirectUri`; this one keeps `state`.
        return reply.redirect(
          withQuery(request.redirectUri, {
            error: 'access_denied',
            error_description: 'User denied access',
            state: request.state,
          }),
          302,
        );
      case 'fragment-error':
        return reply.redirect(`${request.redirectUri}#${decision.fragment}`, 302);
      case 'sign-in-page':
      case 'consent-page': {
        const ctx: PageContext = {
          action: `${state.baseUrl}/oauth/authorize`,
          params,
          client: request.client,
          scopes: request.scopes,
        };
        const html =
          decision.kind === 'sign-in-page'
            ? signInPage(
                ctx,
                state.users.values(),
                decision.session ? state.users.get(decision.session.orcid) : undefined,
              )
            : consentPage(ctx, state.users.get(decision.session.orcid)!, state.users.values());
        return reply
          .header('content-type', 'text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .header('content-security-policy', PAGE_CSP)
          .send(html);
      }
    }
  });

  app.get('/userStatus.json', (req, reply) => {
    const session = state.sessions.decode(req.headers.cookie);
    if (queryParams(req).get('logUserOut') === 'true') {
      reply.header('set-cookie', `${SESSION_COOKIE}=; Path=${cookiePath}; HttpOnly; SameSite=Lax; Max-Age=0`);
      return reply.send({ loggedIn: false });
    }
    return reply.send({ loggedIn: session !== null });
  });
};
