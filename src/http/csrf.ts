import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config/schema.js';
import { hmac, randomToken, safeEqual } from '../crypto/token.js';
import { LanyardError } from '../errors.js';
import { cookieNames, setCookie } from './cookies.js';

/**
 * Signed double-submit CSRF protection (OWASP CSRF cheat sheet): a random cookie, and in each
 * form the HMAC of it under the server key. A cross-site page can neither read the cookie nor
 * compute the HMAC, so it cannot make a form field that passes.
 */
/**
 * The `_csrf` field of every form's body schema. Optional on purpose: a form without it is refused
 * by the `csrf` guard (src/http/guards.ts, before the schema) as CSRF_FAILED (403), like a wrong
 * token, not as VALIDATION_FAILED; the schema only keeps its type and length.
 */
export const CsrfField = Type.Optional(Type.String({ maxLength: 200 }));

export function csrfCookieValue(request: FastifyRequest, reply: FastifyReply, config: Config): string {
  const name = cookieNames(config).csrf;
  const existing = request.cookies[name];
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const fresh = (request.csrfCookie ??= randomToken());
  setCookie(reply, config, name, fresh);
  return fresh;
}

export function csrfToken(cookieValue: string, config: Config): string {
  return hmac(config.secretKeys[0]!.key, `csrf:${cookieValue}`);
}

export function verifyCsrf(request: FastifyRequest, config: Config, submitted: unknown): void {
  const cookie = request.cookies[cookieNames(config).csrf];
  const ok =
    typeof submitted === 'string' &&
    typeof cookie === 'string' &&
    config.secretKeys.some((k) => safeEqual(submitted, hmac(k.key, `csrf:${cookie}`)));
  if (!ok) throw new LanyardError('CSRF_FAILED', 'The form was not sent from this site or has expired.');
}
