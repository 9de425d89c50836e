import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.js';
import { LanyardError } from '../../errors.js';
import type { Provider } from '../../providers/provider.js';
import type { Route } from '../app.js';
import { signInWithPassword, signOut } from '../auth.js';
import { callbackStatuses, startSignIn } from '../pages/providers.js';
import { isSafeRedirect, safeRedirect } from '../redirects.js';
import { mintBearer } from './bearer.js';
import { apiLimits, CSRF_RESPONSE_HEADER, csrfTokenFor, rotateCsrf } from './guards.js';
import { accountView, statusJson } from './representations.js';
import { LoginBody, ProviderStartQuery, empty, ok, redirect, refusals, refusalsWith } from './schemas.js';

const tags = ['authn'];

/**
 * DSpace's `WWW-Authenticate` list of sign-in methods (DSpace: `orcid realm=…, location=…`); its UI
 * takes each method's `location` for its button. With `LANYARD_UI_URL` each location carries
 * `?redirectUrl=` first, as DSpace's UI expects to rewrite it with the page to come back to
 * (AuthService.getExternalServerRedirectUrl).
 */
export function signInMethods(config: Config, providerIds: string[]): string {
  const methods = ['password realm="Lanyard REST API"'];
  for (const id of providerIds) {
    const start = `${config.publicUrl}/api/authn/${id}/start`;
    methods.push(
      `${id} realm="Lanyard REST API", location="${config.uiUrl ? `${start}?redirectUrl=${config.uiUrl}` : start}"`,
    );
  }
  return methods.join(', ');
}

/**
 * DSpace reads `user` and `password` as request parameters, so its server would take them from the
 * query string too; Lanyard reads the body only. Ignoring them there left the client with a
 * confusing answer, and a password in a URL is already in proxy and access logs and browser
 * history: it is refused with its own code, never used — even beside a good body — before the
 * CSRF check, so the client learns what to fix. Lanyard's own log redacts it (src/lanyard.ts).
 */
async function refuseCredentialsInUrl(request: FastifyRequest): Promise<void> {
  const query = request.query as Record<string, unknown>;
  const fields = ['user', 'password'].filter((f) => query[f] !== undefined);
  if (fields.length)
    throw new LanyardError('CREDENTIALS_IN_URL', 'Send user and password in the request body, never in the URL.', {
      fields,
    });
}

/**
 * `/api/authn/*` — DSpace's AuthenticationRestController, with Lanyard's session cookie where
 * DSpace hands out a JWT in `Authorization` (docs/api.md, "Differences"). Provider callbacks
 * (ORCID's is DSpace's `GET /api/authn/orcid`) are served by src/http/pages/providers.ts.
 */
export const authnRoutes: Route = (api, lanyard) => {
  const { config } = lanyard;
  const limits = apiLimits(config);

  /**
   * Hands the client its CSRF token (DSpace: the `DSPACE-XSRF-TOKEN` response header) and lists the
   * sign-in methods in `WWW-Authenticate`, where DSpace's UI looks for a provider's location.
   */
  const methods = signInMethods(
    config,
    lanyard.providers.list.map((p) => p.id),
  );
  const announce = (request: FastifyRequest, reply: FastifyReply) => {
    reply.header(CSRF_RESPONSE_HEADER, csrfTokenFor(request, reply, config));
    reply.header('www-authenticate', methods);
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
            'CREDENTIALS_IN_URL',
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
      onRequest: refuseCredentialsInUrl,
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
      reply.header('www-authenticate', methods);
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
        response: {
          204: empty('Signed out (or was not signed in).'),
          ...refusals('CSRF_FAILED', 'VALIDATION_FAILED', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'),
        },
      },
    },
    async (request, reply) => {
      await signOut(lanyard, request, reply);
      return reply.code(204).send();
    },
  );

  /**
   * Starts a sign-in with a provider for an API client (DSpace: "Sign in with ORCID" at
   * `/api/authn/orcid/start`). DSpace passes `redirectUrl` to the callback; Lanyard binds it to
   * this browser's flow cookie here, and refuses an untrusted one with 400 as DSpace does
   * (OrcidLoginFilterIT.testRedirectToGivenUntrustedUrl). A start path an outside contract fixes
   * for a provider that is not configured answers 401 PROVIDER_NOT_CONFIGURED, as DSpace's does.
   */
  const startRoute = (path: string, label: string, provider: Provider | null) =>
    api.get(
      path,
      {
        schema: {
          tags,
          summary: `Start signing in with ${label}: 302 to ${label}, flow cookie set`,
          querystring: ProviderStartQuery,
          response: {
            302: redirect(`To ${label}’s authorize endpoint.`),
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
        if (!provider)
          throw new LanyardError('PROVIDER_NOT_CONFIGURED', 'Sign-in with this provider is not set up here.');
        const { redirectUrl } = request.query;
        if (redirectUrl !== undefined && !isSafeRedirect(redirectUrl, config))
          throw new LanyardError('REDIRECT_NOT_ALLOWED', 'redirectUrl is not an allowed origin.');
        return startSignIn(
          lanyard,
          reply,
          provider,
          {
            returnTo: safeRedirect(redirectUrl, config, config.uiUrl ?? '/profile'),
            intent: 'sign_in',
            sessionId: null,
          },
          302,
        );
      },
    );
  for (const provider of lanyard.providers.list)
    startRoute(`/api/authn/${provider.id}/start`, provider.label('en'), provider);
  for (const reserved of lanyard.providers.unconfiguredPaths().filter((r) => r.kind === 'start'))
    startRoute(reserved.path, reserved.label, null);
};
