import type { FastifyReply } from 'fastify';
import type { Config } from '../config/schema.js';

/**
 * Cookie names and attributes. Over https the names carry the `__Host-` prefix, which browsers
 * accept only with Secure, Path=/ and no Domain: a sibling subdomain cannot plant or overwrite them.
 * Over plain http (local development) the prefix and Secure are dropped, or no browser would keep them.
 */
export function cookieNames(config: Pick<Config, 'secureCookies'>) {
  const p = config.secureCookies ? '__Host-' : '';
  return {
    session: `${p}lanyard-session`,
    csrf: `${p}lanyard-csrf`,
    oauth: `${p}lanyard-oauth`,
    lang: `${p}lanyard-lang`,
    flash: `${p}lanyard-flash`,
    browser: `${p}lanyard-browser`,
  };
}

export function setCookie(
  reply: FastifyReply,
  config: Pick<Config, 'secureCookies'>,
  name: string,
  value: string,
  maxAgeSeconds?: number,
): void {
  reply.setCookie(name, value, {
    path: '/',
    httpOnly: true,
    secure: config.secureCookies,
    // Lax, not Strict: the ORCID callback is a top-level cross-site navigation that must carry the state cookie.
    sameSite: 'lax',
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  });
}

export function clearCookie(reply: FastifyReply, config: Pick<Config, 'secureCookies'>, name: string): void {
  reply.clearCookie(name, { path: '/', httpOnly: true, secure: config.secureCookies, sameSite: 'lax' });
}
