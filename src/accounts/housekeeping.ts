import { addSeconds } from '../clock.js';
import type { Lanyard } from '../lanyard.js';
import { deleteExpiredOidcPayloads } from '../stores/oidc-payloads.js';
import { purgeAuditBefore } from '../stores/audit.js';
import { FINISHED_WRITE_DAYS, purgeFinishedWrites } from '../stores/orcid-works.js';
import { purgeStaleThrottles } from '../stores/password-throttle.js';
import { purgeRegistrations } from '../stores/registrations.js';
import { throttlePolicy } from './password-throttle.js';

/**
 * Deletes what no one can use any more: registrations expired or consumed a day ago, sessions
 * expired or revoked a day ago, password-failure counts older than their window, expired sign-in flow
 * state (SAML's pending AuthnRequests and the IDs of used responses; Redis expires its own), writes
 * to ORCID finished a month ago, and audit events past their retention.
 * Expiry is checked on every use anyway (docs/design.md §4); this only keeps the tables small (DSpace's
 * RegistrationDataScheduler does the same every 15 minutes).
 */
export async function housekeeping(lanyard: Lanyard): Promise<{
  registrations: number;
  sessions: number;
  oidc: number;
  throttles: number;
  flowState: number;
  audit: number;
  orcidWrites: number;
}> {
  const now = lanyard.clock.now();
  const dayAgo = addSeconds(now, -86400);
  const registrations = await purgeRegistrations(lanyard.db, now);
  const sessions = await lanyard.db
    .deleteFrom('session')
    .where((eb) => eb.or([eb('expires_at', '<', dayAgo), eb('revoked_at', '<', dayAgo)]))
    .executeTakeFirst();
  // The OpenID provider's expired codes, tokens, sessions and interactions (these kept while a
  // mailed first-login link may still lead back to them).
  const { tokenTtl } = lanyard.config;
  const oidc = await deleteExpiredOidcPayloads(lanyard.db, now, Math.max(tokenTtl.EXTERNAL, tokenTtl.VALIDATION));
  const throttles = await purgeStaleThrottles(lanyard.db, now, throttlePolicy.windowMs);
  // Expired values are never read (every read checks expires_at); the rows only take space.
  const flowState = await lanyard.flowState.purge();
  // The audit trail is kept for LANYARD_AUDIT_RETENTION_DAYS (0: for ever); nothing else deletes it.
  const days = lanyard.config.auditRetentionDays;
  const audit = days > 0 ? await purgeAuditBefore(lanyard.db, addSeconds(now, -days * 86400)) : 0;
  // Finished writes to ORCID: their status stays readable for a month; the works keep their put-codes.
  const orcidWrites = await purgeFinishedWrites(lanyard.db, addSeconds(now, -FINISHED_WRITE_DAYS * 86400));
  return { registrations, sessions: Number(sessions.numDeletedRows), oidc, throttles, flowState, audit, orcidWrites };
}

/** Runs `housekeeping` every `intervalMs` in the background; returns a stop function. */
export function scheduleHousekeeping(lanyard: Lanyard, intervalMs = 15 * 60_000): () => void {
  const timer = setInterval(() => {
    housekeeping(lanyard).catch((e: unknown) => lanyard.log.warn({ err: (e as Error).message }, 'housekeeping failed'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
