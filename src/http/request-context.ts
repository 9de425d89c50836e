import type {} from '@fastify/cookie';
import type { Account, Session } from '../db/schema.js';
import type { Locale, Translate } from '../i18n/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
    t: Translate;
    /** The signed-in account, when the session cookie is valid. */
    auth: { session: Session; account: Account } | null;
    /** A CSRF cookie value minted during this request (before the browser has it). */
    csrfCookie?: string;
  }
}

export {};
