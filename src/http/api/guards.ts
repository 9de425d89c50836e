import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.js';
import type { Lanyard } from '../../lanyard.js';
import { verifyCsrf } from '../csrf.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'always': the route needs the CSRF header even without a session (authn/login: login CSRF). */
    csrf?: 'always';
  }
}

/** Per-client limits (product.md §4): token guesses on token-bearing routes; sign-ins and mail requests. */
export function apiLimits(config: Config) {
  return {
    token: { rateLimit: { max: config.rateLimit.tokenGuessesPerMinute, timeWindow: 60_000 } },
    signIn: { rateLimit: { max: config.rateLimit.signInPerMinute, timeWindow: 60_000 } },
  };
}

/** DSpace's CSRF header name (its Angular client sends it on every state-changing request). */
export const CSRF_HEADER = 'x-xsrf-token';
/** DSpace's response header that hands the client the CSRF token to echo. */
export const CSRF_RESPONSE_HEADER = 'dspace-xsrf-token';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF for the API: a state-changing call that a session cookie authenticates must carry
 * `X-XSRF-TOKEN` equal to the token of this browser's CSRF cookie (signed double submit, as the
 * pages' `_csrf` field; DSpace uses the same header). A cross-site page can send the cookie but not
 * the header. Calls without a session authenticate by the token in their URL and need none.
 */
export function csrfGuard(lanyard: Lanyard) {
  return async (request: FastifyRequest) => {
    if (safeMethods.has(request.method)) return;
    if (request.auth || request.routeOptions.config.csrf === 'always')
      verifyCsrf(request, lanyard.config, request.headers[CSRF_HEADER]);
  };
}
