import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashToken, randomToken, tokenPattern } from '../crypto/token.js';
import type { Lanyard } from '../lanyard.js';
import { cookieNames } from './cookies.js';

/**
 * The browser cookie: a random value (256 bits, HttpOnly) given to a browser where a provider
 * sign-in completes. A registration that sign-in creates stores the value's hash, and its token
 * then works only in a browser that sends the value (docs/security.md, "Registration tokens are
 * bound to the browser"). Only the hash is ever stored.
 */
const cookieValue = (lanyard: Lanyard, request: FastifyRequest): string | null => {
  const value = request.cookies[cookieNames(lanyard.config).browser];
  return value && tokenPattern.test(value) ? value : null;
};

/** The hash of this browser's browser cookie, or null when it sends none. */
export function browserHashOf(lanyard: Lanyard, request: FastifyRequest): string | null {
  const value = cookieValue(lanyard, request);
  return value ? hashToken(value) : null;
}

/**
 * Where a provider sign-in completes: keeps this browser's cookie (or gives it one) for as long as
 * a registration of this sign-in, and a link mailed from it, can live; returns the hash to store.
 * SameSite=None over https, as DSpace's own cookies: a DSpace UI on another site calls the REST API
 * with credentials and must send it. That gives an attacker nothing: the cookie only ever matches
 * registrations its own browser made.
 */
export function bindBrowser(lanyard: Lanyard, request: FastifyRequest, reply: FastifyReply): string {
  const { config } = lanyard;
  const value = cookieValue(lanyard, request) ?? randomToken();
  reply.setCookie(cookieNames(config).browser, value, {
    path: '/',
    httpOnly: true,
    secure: config.secureCookies,
    sameSite: config.secureCookies ? 'none' : 'lax',
    maxAge: config.tokenTtl.EXTERNAL + Math.max(config.tokenTtl.EXTERNAL, config.tokenTtl.VALIDATION),
  });
  return hashToken(value);
}
