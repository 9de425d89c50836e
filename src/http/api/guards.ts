import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.js';
import { randomToken } from '../../crypto/token.js';
import type { Lanyard } from '../../lanyard.js';
import { cookieNames, setCookie } from '../cookies.js';
import { csrfCookieValue, csrfToken, verifyCsrf } from '../csrf.js';
import { LanyardError } from '../../errors.js';
import { routeLimits } from '../guards.js';
import { schemeOf } from './bearer.js';
import { ORCID_API_CHALLENGE } from './orcid-caller.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** 'always': the route needs the CSRF header even without a session (authn/login: login CSRF). */
    csrf?: 'always';
  }
}

/** The same per-client limits as the pages (src/http/guards.ts). */
export const apiLimits = routeLimits;

/** DSpace's CSRF header name (its Angular client sends it on every state-changing request). */
export const CSRF_HEADER = 'x-xsrf-token';
/** DSpace's response header that hands the client the CSRF token to echo. */
export const CSRF_RESPONSE_HEADER = 'dspace-xsrf-token';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The CSRF token of this browser's CSRF cookie (set now if it has none), to hand out in `DSPACE-XSRF-TOKEN`. */
export function csrfTokenFor(request: FastifyRequest, reply: FastifyReply, config: Config): string {
  return csrfToken(csrfCookieValue(request, reply, config), config);
}

/**
 * A new CSRF cookie and its token in `DSPACE-XSRF-TOKEN`, at sign-in (DSpace's
 * CsrfAuthenticationStrategy does the same): a token a page learned before the sign-in is dead after it.
 */
export function rotateCsrf(request: FastifyRequest, reply: FastifyReply, config: Config): void {
  const fresh = (request.csrfCookie = randomToken());
  setCookie(reply, config, cookieNames(config).csrf, fresh);
  reply.header(CSRF_RESPONSE_HEADER, csrfToken(fresh, config));
}

/**
 * CSRF for the API: a state-changing call that a session authenticates (its cookie, or a Bearer
 * token of it) must carry `X-XSRF-TOKEN` equal to the token of this browser's CSRF cookie (signed
 * double submit, as the pages' `_csrf` field; DSpace uses the same headers). A cross-site page can
 * send the cookie but not the header. Calls without a session authenticate by the token in their
 * URL and need none. A refusal hands out the current token in `DSPACE-XSRF-TOKEN`, as DSpace's
 * does, so its UI can retry.
 */
export function csrfGuard(lanyard: Lanyard) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (safeMethods.has(request.method)) return;
    if (!request.auth && request.routeOptions.config.csrf !== 'always') return;
    try {
      verifyCsrf(request, lanyard.config, request.headers[CSRF_HEADER]);
    } catch (e) {
      reply.header(CSRF_RESPONSE_HEADER, csrfTokenFor(request, reply, lanyard.config));
      throw e;
    }
  };
}

/**
 * The API reads JSON only, unless a route lists other media types in its schema's `consumes`
 * (`authn/login` also takes DSpace's form, PATCH also JSON Patch). A cross-site HTML form can
 * only send a form, multipart or text/plain body, so this also keeps such forms from making
 * browsers call the API (e.g. ask for register or reset mails). Checked before the body is read.
 * State-changing routes that take no body (logout, a merge, deleting a work) are held to the same
 * rule — DSpace's UI sends them JSON or nothing — so a form cannot merge a mailed token either;
 * a request that declares an empty body sends nothing to refuse.
 */
export function mediaTypeGuard() {
  return async (request: FastifyRequest) => {
    const schema = request.routeOptions.schema;
    const type = request.headers['content-type'];
    if (type === undefined || safeMethods.has(request.method)) return;
    if (!schema?.body && request.headers['content-length'] === '0') return;
    const mediaType = type.split(';')[0]!.trim().toLowerCase();
    const accepted = (schema as { consumes?: readonly string[] }).consumes ?? ['application/json'];
    if (!accepted.includes(mediaType))
      throw new LanyardError('UNSUPPORTED_MEDIA_TYPE', `Send ${accepted.join(' or ')}.`, { accepted });
  };
}

/**
 * Answers of the API carry personal data (who is signed in, an account, a registration's email
 * and iD), so none may be kept by a browser or a shared cache: `no-store`, set before the handler
 * runs so errors carry it too (a route may still set its own).
 */
export function noStore() {
  return async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
  };
}

/**
 * Every 401 says how to authenticate (RFC 9110 §15.5.2): one that set no challenge of its own (the
 * ORCID API names Bearer) lists the sign-in methods, as DSpace's do — its StatelessLoginFilter
 * answers a failed `authn/login` so and its entry point every unauthenticated call, and DSpace's UI
 * reads the methods of a failed login from that header as it does from `authn/status`.
 */
export function challenge(methods: string) {
  return async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', methods);
    return payload;
  };
}

/**
 * The API reads one credential from `Authorization`: a Bearer token (DSpace's token of a session,
 * or on the ORCID API an access token of Lanyard's OpenID provider), and on the ORCID API a DPoP
 * one (a token bound to the repository's key, with its proof). Another scheme (`DPoP` elsewhere,
 * `Basic`, `Negotiate`…) is a credential it cannot check: taken for none, the caller would be
 * answered as anonymous (AUTH_REQUIRED, a signed-out status) and never learn why. So it is refused
 * before any route runs, with a challenge naming Bearer (RFC 9110 §11.6.1) — on the REST API
 * followed by the sign-in methods every other 401 names. An empty header is no credential.
 */
export function bearerOnly(methods: string) {
  const restChallenge = `Bearer realm="Lanyard REST API", ${methods}`;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const scheme = schemeOf(request);
    const orcidApi = request.url.startsWith('/api/orcid/');
    if (!scheme || scheme === 'bearer' || (orcidApi && scheme === 'dpop')) return;
    reply.header('www-authenticate', orcidApi ? ORCID_API_CHALLENGE : restChallenge);
    // The scheme is not echoed: a client that sent a bare token would find it in the answer.
    throw new LanyardError(
      'AUTH_SCHEME_UNSUPPORTED',
      orcidApi
        ? 'Send the credential as "Authorization: Bearer <token>", or "Authorization: DPoP <token>" with its proof.'
        : 'Send the credential as "Authorization: Bearer <token>".',
    );
  };
}
