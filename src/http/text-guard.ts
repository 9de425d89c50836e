import type { FastifyRequest } from 'fastify';
import { LanyardError } from '../errors.js';

/** U+0000, or half of a surrogate pair standing alone (not well-formed UTF-16: no UTF-8 form). */
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text PostgreSQL cannot store: a NUL in text or jsonb, a lone surrogate in jsonb (a JSON body may
 * carry `"\ud800"`). Either failed its statement with a 500 (a typed email, a name, a path
 * parameter, a cookie, a work's title). No value Lanyard reads from a request may hold one: the
 * request is refused with 400 VALIDATION_FAILED before anything is read or written. Bodies a route
 * keeps as bytes (the OpenID provider's) are the provider's to refuse.
 */
export function holdsUnstorable(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return unstorable.test(value);
  if (depth > 32 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return false;
  if (Array.isArray(value)) return value.some((v) => holdsUnstorable(v, depth + 1));
  return Object.entries(value).some(([k, v]) => unstorable.test(k) || holdsUnstorable(v, depth + 1));
}

const refusal = () => new LanyardError('VALIDATION_FAILED', 'The request holds a character no text may hold.');

/**
 * The URL's query and path parameters are refused; a cookie holding such text is no cookie Lanyard
 * (or its OpenID provider) set, so it is ignored rather than lock the browser out — another site on
 * the same host may have set it. Before the session is looked up.
 */
export function refuseUnstorableInUrl(request: FastifyRequest): void {
  if (holdsUnstorable(request.query) || holdsUnstorable(request.params)) throw refusal();
  const cookies = request.cookies as Record<string, string | undefined> | undefined;
  for (const [name, value] of Object.entries(cookies ?? {}))
    if (unstorable.test(name) || (typeof value === 'string' && unstorable.test(value))) delete cookies![name];
}

/** The parsed body (a form, JSON): checked after the route's guards, before validation and handler. */
export function refuseUnstorableInBody(request: FastifyRequest): void {
  if (holdsUnstorable(request.body)) throw refusal();
}
