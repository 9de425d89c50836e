import type { IncomingMessage } from 'node:http';
import type { Locale } from '../i18n/index.js';

/** A request as the Fastify mount hands it to the provider: with who is signed in to Lanyard there. */
export type SignedInRequest = IncomingMessage & {
  lanyardAuth?: { accountId: string; sessionId: string; authenticatedAt: Date };
  lanyardLocale?: Locale;
  /** The browser's address as Lanyard reads it (behind a trusted proxy, the forwarded one), for audit events. */
  lanyardIp?: string;
};

/** Whether a sign-in at `authenticatedAt` is older than the request's `max_age` (seconds) allows. */
export function tooOld(maxAge: unknown, authenticatedAt: Date, now: Date): boolean {
  const seconds = maxAge === undefined || maxAge === null || maxAge === '' ? NaN : Number(maxAge);
  return Number.isFinite(seconds) && authenticatedAt.getTime() < now.getTime() - seconds * 1000 - 999;
}

/**
 * The one Authentication Context Class Lanyard vouches for (REFEDS MFA): a sign-in whose
 * authenticating provider reported multi-factor authentication (`amr` with `mfa`). Any other
 * sign-in carries no `acr`: Lanyard has no assurance levels of its own to name.
 */
export const MFA_ACR = 'https://refeds.org/profile/mfa';

/** The `acr` a sign-in with these `amr` values earns, if any. */
export const acrOf = (amr: readonly string[]) => (amr.includes('mfa') ? MFA_ACR : undefined);

/**
 * Whether a sign-in of `acr` meets an authorization request's `acr_values`: one of them, when it
 * names any (OpenID Connect Core §3.1.2.1; Lanyard refuses what it cannot meet, docs/openid-provider.md).
 */
export function meetsAcrValues(acrValues: unknown, acr: string | undefined): boolean {
  const asked = typeof acrValues === 'string' ? acrValues.split(' ').filter(Boolean) : [];
  return asked.length === 0 || (acr !== undefined && asked.includes(acr));
}
