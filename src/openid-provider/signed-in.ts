import type { IncomingMessage } from 'node:http';
import type { Locale } from '../i18n/index.js';

/** A request as the Fastify mount hands it to the provider: with who is signed in to Lanyard there. */
export type SignedInRequest = IncomingMessage & {
  lanyardAuth?: { accountId: string; sessionId: string; authenticatedAt: Date };
  lanyardLocale?: Locale;
};

/** Whether a sign-in at `authenticatedAt` is older than the request's `max_age` (seconds) allows. */
export function tooOld(maxAge: unknown, authenticatedAt: Date, now: Date): boolean {
  const seconds = maxAge === undefined || maxAge === null || maxAge === '' ? NaN : Number(maxAge);
  return Number.isFinite(seconds) && authenticatedAt.getTime() < now.getTime() - seconds * 1000 - 999;
}
