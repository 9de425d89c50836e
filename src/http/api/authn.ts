import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.js';
import { LanyardError } from '../../errors.js';
import { newFlow } from '../../providers/oauth/state.js';
import type { Route } from '../app.js';
import { signInWithPassword, signOut } from '../auth.js';
import { callbackStatuses, redirectToOrcid } from '../pages/orcid.js';
import { isSafeRedirect, safeRedirect } from '../redirects.js';
import { mintBearer } from './bearer.js';
import { apiLimits, CSRF_RESPONSE_HEADER, csrfTokenFor, rotateCsrf } from './guards.js';
import { accountView, statusJson } from './representations.js';
import { LoginBody, OrcidStartQuery, empty, ok, redirect, refusals, refusalsWith } from './schemas.js';

const tags = ['authn'];

/**
 * DSpace's `WWW-Authenticate` list of sign-in methods; its UI takes each method's `location` for its
 * button. With `LANYARD_UI_URL` the ORCID location carries `?redirectUrl=` first, as DSpace's UI
 * expects to rewrite it with the page to come back to (AuthService.getExternalServerRedirectUrl).
 */
export function signInMethods(config: Config, orcid: boolean): string {
  const methods = ['password realm="Lanyard REST API"'];
  const start = `${config.publicUrl}/api/authn/orcid/start`;
  if (orcid)
    methods.push(
      `orcid realm="Lanyard REST API", location="${config.uiUrl ? `${start}?redirectUrl=${config.uiUrl}` : start}"`,
    );
  return methods.join(', ');
}

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
    reply.header(CSRF_RESPONSE_HEADER, csrfTokenFor(request, reply, config));
    reply.header('www-authenticate', signInMethods(config, lanyard.orcid !== null));
  };
  const headers = { 'DSPACE-XSRF-TOKEN': { type: 'string' }, 'WWW-Authenticate': { type: 'string' } };
  const loginHeaders = { ...headers, Authorization: { type: 'string', description: 'Bearer token of the session.' } };

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
        summary:
          'Sign in with email (`user`) and password: session cookie and Bearer token. With `{}`: the Bearer token of the current session',
        body: LoginBody,
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        response: {
          200: { ...ok.status, headers: loginHeaders },
          ...refusals(
            'VALIDATION_FAILED',
            'INVALID_CREDENTIALS',
            'AUTH_REQUIRED',
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
      const { user, password } = request.body ?? {};
      if (user === undefined && password === undefined) {
        // DSpace's UI after an external sign-in (the session cookie) and when its token nears `exp` (the Bearer).
        const auth = request.auth;
        if (!auth) throw new LanyardError('AUTH_REQUIRED', 'Not signed in: send user and password.');
        reply.header('authorization', `Bearer ${await mintBearer(config, auth.session, lanyard.clock.now())}`);
        announce(request, reply);
        return statusJson(config, await accountView(lanyard, auth.account));
      }
      if (user === undefined || password === undefined)
        throw new LanyardError('VALIDATION_FAILED', 'Send both user and password, or neither.', {
          field: user === undefined ? 'user' : 'password',
        });
      const account = await signInWithPassword(lanyard, request, reply, user, password);
      if (!account || !request.auth) throw new LanyardError('INVALID_CREDENTIALS', 'Wrong email or password.');
      reply.header('authorization', `Bearer ${await mintBearer(config, request.auth.session, lanyard.clock.now())}`);
      reply.header('www-authenticate', signInMethods(config, lanyard.orcid !== null));
      rotateCsrf(request, reply, config);
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
          {
            returnTo: safeRedirect(redirectUrl, config, config.uiUrl ?? '/profile'),
            intent: 'sign_in',
            sessionId: null,
          },
          lanyard.clock.now(),
        ),
        302,
      );
    },
  );
};
