import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.js';
import { LanyardError } from '../../errors.js';

/**
 * Response headers a UI on another origin may read. DSpace's UI reads the Bearer token from
 * `Authorization`, the CSRF token from `DSPACE-XSRF-TOKEN`, the sign-in methods from
 * `WWW-Authenticate` and a created resource from `Location` (DSpace's CorsConfiguration exposes the same);
 * `Allow` names a path's methods on a 405 `METHOD_NOT_ALLOWED` (not a safelisted header either).
 */
export const EXPOSED_HEADERS = ['Authorization', 'DSPACE-XSRF-TOKEN', 'WWW-Authenticate', 'Location', 'Allow'];

/**
 * Request headers a preflight may ask for: what dspace-angular sends (its interceptors add
 * `X-XSRF-TOKEN`, `Authorization`, `X-On-Behalf-Of`, `X-Correlation-ID`, `X-Referrer`),
 * `Content-Type` for JSON and JSON Patch bodies, and `DPoP` for a proof to the ORCID API.
 */
const ALLOWED_HEADERS = new Set([
  'accept',
  'accept-language',
  'authorization',
  'content-type',
  'x-xsrf-token',
  'x-requested-with',
  'x-on-behalf-of',
  'x-correlation-id',
  'x-referrer',
  'dpop',
]);
const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'];
const PREFLIGHT_MAX_AGE = 600;

/**
 * CORS for the REST API (`/api/…`): the UI's origin (`LANYARD_UI_URL`) and `LANYARD_CORS_ORIGINS`
 * may call it with credentials, as DSpace's `rest.cors.allowed-origins`. Any other origin gets no
 * CORS header at all (its page cannot read an answer), and its preflight is refused with 403
 * `CORS_ORIGIN_NOT_ALLOWED`. Requests without `Origin` (servers, curl, same-origin GETs) are untouched.
 */
export function corsHook(config: Config) {
  const allowed = new Set(config.corsOrigins);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.url.startsWith('/api/') && request.url !== '/api' && !request.url.startsWith('/api?')) return;
    const origin = request.headers.origin;
    const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (typeof origin !== 'string') return;
    reply.header('vary', 'Origin');
    if (!allowed.has(origin)) {
      if (preflight)
        throw new LanyardError('CORS_ORIGIN_NOT_ALLOWED', 'This origin may not call the API from a browser.');
      return;
    }
    if (!preflight) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      reply.header('access-control-expose-headers', EXPOSED_HEADERS.join(', '));
      return;
    }
    const method = String(request.headers['access-control-request-method']).toUpperCase();
    const asked = String(request.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    const refused = asked.filter((h) => !ALLOWED_HEADERS.has(h));
    if (!ALLOWED_METHODS.includes(method) || refused.length)
      throw new LanyardError('CORS_ORIGIN_NOT_ALLOWED', 'The API does not accept this method or these headers.', {
        method: method.slice(0, 20),
        headers: refused.slice(0, 10).map((h) => h.slice(0, 60)),
      });
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-allow-credentials', 'true');
    reply.header('access-control-allow-methods', ALLOWED_METHODS.join(', '));
    if (asked.length) reply.header('access-control-allow-headers', asked.join(', '));
    reply.header('access-control-max-age', String(PREFLIGHT_MAX_AGE));
    return reply.code(204).send();
  };
}
