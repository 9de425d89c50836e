import { type ErrorCode, LanyardError } from '../../../errors.js';
import type { SamlEntry } from '../config.js';
import { nameIdFormat } from '../namespaces.js';
import type { ParsedAssertion } from './assertion.js';
import type { Envelope } from './envelope.js';

/** A refusal that names the IdP it concerns (details.idp; the error page shows it). */
export function refuse(code: ErrorCode, message: string, idp: string | null, extra: Record<string, unknown> = {}) {
  return new LanyardError(code, message, { ...(idp ? { idp: shown(idp) } : {}), ...extra });
}

/**
 * An entityID as pages and logs show it: a response's Issuer is whatever its sender wrote until
 * the IdP is found, so a refusal names at most the first 300 characters of it.
 */
export const shown = (entityId: string) => (entityId.length > 300 ? `${entityId.slice(0, 300)}…` : entityId);

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

/** The assertion's own Issuer is the IdP whose key signed it (node-saml checked the key only). */
export function checkIssuer(assertion: ParsedAssertion, idp: string): void {
  if (assertion.issuer !== idp)
    throw refuse(
      'SAML_ISSUER_MISMATCH',
      `The assertion was issued by ${assertion.issuer ?? 'nobody'}, not ${idp}.`,
      idp,
    );
}

/** A Response's Destination, when it has one, is our ACS (SAML core §3.2.2; node-saml does not check it). */
export function checkDestination(envelope: Envelope, entry: SamlEntry, idp: string): void {
  if (envelope.destination !== null && envelope.destination !== entry.acsUrl)
    throw refuse('SAML_DESTINATION_MISMATCH', 'The response was sent to another service.', idp, {
      destination: envelope.destination.slice(0, 300),
    });
}

/**
 * Web SSO profile §4.1.4.3: a bearer SubjectConfirmation whose data names our ACS as Recipient,
 * is within its validity (with the configured skew) and answers our request (or none, for an
 * allowed unsolicited response). node-saml checks the times and InResponseTo but not Recipient.
 */
export function checkConfirmation(
  assertion: ParsedAssertion,
  entry: SamlEntry,
  idp: string,
  requestId: string | null,
  now: Date,
): void {
  const bearer = assertion.confirmations.filter((c) => c.method === BEARER);
  const forUs = bearer.filter((c) => c.recipient === entry.acsUrl);
  if (forUs.length === 0)
    throw refuse('SAML_RECIPIENT_MISMATCH', 'The assertion is meant for another service.', idp, {
      recipient: bearer[0]?.recipient?.slice(0, 300) ?? null,
    });
  const skew = entry.clockSkewSeconds * 1000;
  const valid = forUs.filter((c) => {
    const until = c.notOnOrAfter ? Date.parse(c.notOnOrAfter) : NaN;
    const from = c.notBefore ? Date.parse(c.notBefore) : -Infinity;
    return until > now.getTime() - skew && from <= now.getTime() + skew;
  });
  if (valid.length === 0) throw refuse('SAML_EXPIRED', 'The assertion has expired.', idp);
  if (!valid.some((c) => (c.inResponseTo ?? null) === requestId))
    throw refuse(
      requestId ? 'SAML_REQUEST_UNKNOWN' : 'SAML_UNSOLICITED',
      'The assertion does not answer a sign-in started here.',
      idp,
    );
  if (!assertion.hasAuthnStatement)
    throw refuse('SAML_RESPONSE_INVALID', 'The assertion does not say that anyone signed in.', idp);
}

/** A persistent NameID names the IdP (NameQualifier) and us (SPNameQualifier) when it names anyone. */
export function checkNameQualifiers(assertion: ParsedAssertion, entry: SamlEntry, idp: string): void {
  const id = assertion.nameId;
  if (!id || id.format !== nameIdFormat.persistent) return;
  if ((id.nameQualifier ?? idp) !== idp || (id.spNameQualifier ?? entry.spEntityId) !== entry.spEntityId)
    throw refuse('SAML_NAMEID_QUALIFIER', 'The persistent identifier was issued by or for someone else.', idp);
}

/** The longest an assertion may stay valid: the replay cache keeps its ID no longer than this. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 86400;

/**
 * An assertion valid for longer than the replay cache would remember it could be posted again
 * once forgotten; one answering a request of ours cannot (the request is used up), but an
 * unsolicited one can, so an IdP-initiated assertion must expire within a day (IdPs give minutes).
 */
export function checkLifetime(assertion: ParsedAssertion, entry: SamlEntry, idp: string, now: Date): void {
  const latest = latestTime(assertion);
  if (latest !== null && latest - now.getTime() > (MAX_ASSERTION_LIFETIME_SECONDS - entry.clockSkewSeconds) * 1000)
    throw refuse('SAML_RESPONSE_INVALID', 'The assertion stays valid for longer than a day.', idp);
}

const latestTime = (assertion: ParsedAssertion): number | null => {
  const times = [assertion.notOnOrAfter, ...assertion.confirmations.map((c) => c.notOnOrAfter)]
    .map((t) => (t ? Date.parse(t) : NaN))
    .filter((t) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : null;
};

/** When the assertion expires, for the replay cache: no replay can succeed after that anyway. */
export function assertionExpiry(assertion: ParsedAssertion, entry: SamlEntry, now: Date): number {
  const latest = latestTime(assertion) ?? now.getTime() + entry.requestTtlSeconds * 1000;
  return Math.min(
    MAX_ASSERTION_LIFETIME_SECONDS,
    Math.max(60, Math.ceil((latest - now.getTime()) / 1000) + entry.clockSkewSeconds),
  );
}
