import type { FastifyReply, FastifyRequest } from 'fastify';
import { LanyardError } from '../../errors.js';
import { newFlow } from '../../providers/oauth/state.js';
import type { Route } from '../app.js';
import { signInWithPassword, signOut } from '../auth.js';
import { csrfCookieValue, csrfToken } from '../csrf.js';
import { callbackStatuses, redirectToOrcid } from '../pages/orcid.js';
import { isSafeRedirect, safeRedirect } from '../redirects.js';
import { apiLimits, CSRF_RESPONSE_HEADER } from './guards.js';
import { accountView, statusJson } from './representations.js';
import { LoginBody, OrcidStartQuery, empty, ok, redirect, refusals, refusalsWith } from './schemas.js';

const tags = ['authn'];

/**
 * `/api/authn/*` — DSpace's AuthenticationRestController, with Lanyard's session cookie where
 * DSpace hands out a JWT in `Authorization` (docs/api.md, "Differences"). The ORCID callback
 * `GET /api/authn/orcid` is served by src/http/pages/orcid.ts, shared with the pages.
 */
export const authnRoutes: Route = (api, lanyard) => {
  const { config } = lanyard;
  const limits = apiLimits(config);

  /**
   * Hands the client its CSRF token (DSpace: the `DSPACE-XSRF-TOKEN` response header) and lists the
   * sign-in methods in `WWW-Authenticate`, where DSpace's UI looks for the ORCID location.
   */
  const announce = (request: FastifyRequest, reply: FastifyReply) => {
    reply.header(CSRF_RESPONSE_HEADER, csrfToken(csrfCookieValue(request, reply, config), config));
    const methods = ['password realm="Lanyard REST API"'];
    if (lanyard.orcid)
      methods.push(`orcid realm="Lanyard REST API", location="${config.publicUrl}/api/authn/orcid/start"`);
    reply.header('www-authenticate', methods.join(', '));
  };
  const headers = { 'DSPACE-XSRF-TOKEN': { type: 'string' }, 'WWW-Authenticate': { type: 'string' } };

  api.get(
    '/api/authn/status',
    {
      schema: {
        tags,
        summary: 'Who is signed in; also hands out the CSRF token',
        response: { 200: { ...ok.status, headers } },
      },
    },
    async (request, reply) => {
      announce(request, reply);
      return statusJson(config, request.auth ? await accountView(lanyard, request.auth.account) : null);
    },
  );

  api.post(
    '/api/authn/login',
    {
      schema: {
        tags,
        summary: 'Sign in with email (`user`) and password; sets the session cookie',
        body: LoginBody,
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        response: {
          200: { ...ok.status, headers },
          ...refusals(
            'VALIDATION_FAILED',
            'INVALID_CREDENTIALS',
            'CSRF_FAILED',
            'BODY_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
            'RATE_LIMITED',
          ),
        },
      },
      // Login CSRF: without the header a cross-site form could sign a browser in to the attacker's account.
      config: { ...limits.signIn, csrf: 'always' },
    },
    async (request, reply) => {
      const account = await signInWithPassword(lanyard, request, reply, request.body.user, request.body.password);
      if (!account) throw new LanyardError('INVALID_CREDENTIALS', 'Wrong email or password.');
      announce(request, reply);
      return statusJson(config, await accountView(lanyard, account));
    },
  );

  api.post(
    '/api/authn/logout',
    {
      schema: {
        tags,
        summary: 'Sign out: the session is revoked on the server',
        response: { 204: empty('Signed out (or was not signed in).'), ...refusals('CSRF_FAILED') },
      },
    },
    async (request, reply) => {
      await signOut(lanyard, request, reply);
      return reply.code(204).send();
    },
  );

  /**
   * Starts "Sign in with ORCID" for an API client. DSpace passes `redirectUrl` to the callback;
   * Lanyard binds it to this browser's flow cookie here, and refuses an untrusted one with 400 as
   * DSpace does (OrcidLoginFilterIT.testRedirectToGivenUntrustedUrl).
   */
  api.get(
    '/api/authn/orcid/start',
    {
      schema: {
        tags,
        summary: 'Start signing in with ORCID: 302 to ORCID, flow cookie set',
        querystring: OrcidStartQuery,
        response: {
          302: redirect('To ORCID’s authorize endpoint.'),
          ...refusalsWith(
            callbackStatuses,
            'VALIDATION_FAILED',
            'REDIRECT_NOT_ALLOWED',
            'PROVIDER_NOT_CONFIGURED',
            'RATE_LIMITED',
          ),
        },
      },
      config: { ...limits.signIn, statusOverrides: callbackStatuses },
    },
    (request, reply) => {
      const { redirectUrl } = request.query;
      if (redirectUrl !== undefined && !isSafeRedirect(redirectUrl, config))
        throw new LanyardError('REDIRECT_NOT_ALLOWED', 'redirectUrl is not an allowed origin.');
      return redirectToOrcid(
        lanyard,
        reply,
        newFlow(
          { returnTo: safeRedirect(redirectUrl, config), intent: 'sign_in', sessionId: null },
          lanyard.clock.now(),
        ),
        302,
      );
    },
  );
};
