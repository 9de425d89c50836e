import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import type { Lanyard } from '../lanyard.js';
import { isFreshAuth, requireAuth } from './auth.js';
import { verifyCsrf } from './csrf.js';
import { LanyardError } from '../errors.js';

/**
 * The checks a route declares instead of repeating them inline (docs/design.md, "Security rules"):
 *
 * - `csrf`: the form's `_csrf` field must be this browser's signed CSRF token (every page form
 *   that changes something);
 * - `signedIn`: a session;
 * - `freshSignIn`: a session signed in within `LANYARD_REAUTH_SECONDS` (unlinking); an older one
 *   is sent to sign in again and back to the route's `reauthReturnTo` page;
 * - `admin`: a session of an account with the admin role (the operators' console, /admin): anyone
 *   else is refused with `ADMIN_REQUIRED`, except that a signed-out browser asking for a page is
 *   sent to sign in and back to it.
 *
 * They run in the order listed, after the body was read and before it is checked against the
 * route's schema (`preValidation`), so a new page route gets them by declaring
 * `config: { guards: ['csrf', 'signedIn'] }`, and a form's schema cannot answer first: a form
 * without `_csrf` (or with no body at all) is 403 `CSRF_FAILED` as a wrong token is, and a
 * visitor without the right is refused as such, never told what the form would accept.
 */
export type Guard = 'csrf' | 'signedIn' | 'freshSignIn' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    guards?: readonly Guard[];
    /** Where `freshSignIn` brings the person back after signing in again (default /profile). */
    reauthReturnTo?: (request: FastifyRequest) => string;
  }
}

/** A guard refuses by throwing, or answers itself (a redirect) and returns the reply. */
type Check = (lanyard: Lanyard, request: FastifyRequest, reply: FastifyReply) => FastifyReply | void;

const checks: Record<Guard, Check> = {
  csrf: (lanyard, request) => verifyCsrf(request, lanyard.config, (request.body as { _csrf?: unknown } | null)?._csrf),
  signedIn: (_lanyard, request) => void requireAuth(request),
  freshSignIn: (lanyard, request, reply) => {
    requireAuth(request);
    if (isFreshAuth(lanyard, request)) return;
    const back = request.routeOptions.config.reauthReturnTo?.(request) ?? '/profile';
    return reply.redirect(`/login?reauth=1&returnTo=${encodeURIComponent(back)}`, 303);
  },
  admin: (_lanyard, request, reply) => {
    // HEAD answers as GET would (RFC 9110 §9.3.2), so a link checker sees the same redirect.
    if (!request.auth && (request.method === 'GET' || request.method === 'HEAD'))
      return reply.redirect(`/login?returnTo=${encodeURIComponent(request.url)}`, 303);
    if (!requireAuth(request).account.is_admin)
      throw new LanyardError('ADMIN_REQUIRED', 'This is for operators: accounts with the admin role.');
  },
};

/** The preValidation hook that runs each route's declared guards, in order. */
export function routeGuards(lanyard: Lanyard) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    for (const guard of request.routeOptions.config.guards ?? []) {
      const answered = checks[guard](lanyard, request, reply);
      if (answered) return answered;
    }
  };
}

/**
 * Per-client rate limits, declared in a route's config (`config: { ...limits.signIn }`): sign-ins
 * and mail requests share one budget, guesses at token-bearing URLs another; the OpenID provider's
 * endpoints that repositories' servers call (token, userinfo, introspection, revocation) a third,
 * generous one: one repository server asks for every person who signs in there.
 */
export function routeLimits(config: Config) {
  return {
    signIn: { rateLimit: { max: config.rateLimit.signInPerMinute, timeWindow: 60_000 } },
    token: { rateLimit: { max: config.rateLimit.tokenGuessesPerMinute, timeWindow: 60_000 } },
    openIdProvider: { rateLimit: { max: config.rateLimit.openIdProviderPerMinute, timeWindow: 60_000 } },
  };
}
