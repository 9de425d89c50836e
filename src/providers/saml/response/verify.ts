import { hash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../../clock.js';
import type { Db } from '../../../db/connect.js';
import { isLanyardError } from '../../../errors.js';
import { type FlowStateStore, postgresFlowState } from '../../../stores/flow-state.js';
import { findIdp, type Idp, idpExpired, metadataExpired } from '../catalogue.js';
import type { SamlEntry } from '../config.js';
import { type PendingRequest, requestKey, usedKey } from '../requests.js';
import { type Released, readReleased } from '../subject.js';
import { type ParsedAssertion, parseAssertion } from './assertion.js';
import {
  assertionExpiry,
  checkConfirmation,
  checkDestination,
  checkIssuer,
  checkLifetime,
  checkNameQualifiers,
  refuse,
  shown,
} from './checks.js';
import {
  type Envelope,
  EnvelopeError,
  readEnvelope,
  signatureAlgorithmsIn,
  unacceptedEncryption,
  weakSignatureAlgorithms,
} from './envelope.js';
import { codeForNodeSamlError, decryptXml, samlFor } from './node-saml.js';

export interface SamlDeps {
  db: Db;
  store: FlowStateStore;
  clock: Clock;
  log: Logger;
}

/** A response that passed every check; nothing has been written for it yet. */
export interface Verified {
  idp: Idp;
  /** The request it answers; null for an (allowed) unsolicited response. */
  request: PendingRequest | null;
  envelope: Envelope;
  assertion: ParsedAssertion;
  released: Released;
}

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const MAX_RESPONSE_BYTES = 512 * 1024;

/**
 * The ACS's checks, in order, each refusing with its own code and naming the IdP: the message is
 * a Response; it answers a request this service made and still waits for (or is an unsolicited
 * one the entry allows); it comes from that request's IdP, reports success, and uses acceptable
 * encryption; node-saml verifies the signature with that IdP's keys only, decrypts, and checks
 * audience and times; then the assertion's issuer, Recipient, Destination, NameID qualifiers and
 * scopes. Read-only: `commitResponse` writes, once everything passed.
 */
export async function verifyResponse(deps: SamlDeps, entry: SamlEntry, samlResponse: string): Promise<Verified> {
  const xml = decode(samlResponse);
  let envelope: Envelope;
  try {
    envelope = readEnvelope(xml);
  } catch (e) {
    if (e instanceof EnvelopeError) throw refuse('SAML_RESPONSE_INVALID', e.message, null);
    throw e;
  }
  const claimed = envelope.issuer;
  const requestId = envelope.inResponseTo;
  let request: PendingRequest | null = null;
  if (requestId) {
    request = await deps.store.peek<PendingRequest>(requestKey(requestId));
    if (!request || request.provider !== entry.id) {
      const used = await deps.store.peek<{ idp: string }>(usedKey(requestId));
      throw used
        ? refuse('SAML_REPLAYED', 'This response was used already.', used.idp)
        : refuse(
            'SAML_REQUEST_UNKNOWN',
            'This response answers no sign-in started here (or it took too long).',
            claimed,
          );
    }
  } else if (!entry.allowIdpInitiated) {
    throw refuse('SAML_UNSOLICITED', 'Sign-ins started at the institution are not accepted here.', claimed);
  }
  const idpId = request?.idp ?? claimed;
  if (!idpId) throw refuse('SAML_RESPONSE_INVALID', 'The response does not say who sent it.', null);
  if (claimed && claimed !== idpId)
    throw refuse('SAML_ISSUER_MISMATCH', `The response comes from ${shown(claimed)}, not from ${idpId}.`, idpId);
  const idp = await findIdp(deps.db, entry.id, idpId);
  if (!idp) throw refuse('SAML_IDP_UNKNOWN', 'This institution is not known here.', idpId);
  if (idpExpired(idp, deps.clock.now())) throw metadataExpired(entry.id, idp);
  if (envelope.status !== SUCCESS)
    throw refuse('SAML_IDP_REFUSED', 'The institution did not sign you in.', idp.entityId, {
      status: envelope.subStatus ?? envelope.status,
    });
  const weak = unacceptedEncryption(envelope);
  if (weak.length)
    throw refuse(
      'SAML_RESPONSE_INVALID',
      `The assertion is encrypted with an algorithm refused here (${weak[0]}).`,
      idp.entityId,
    );

  const refuseWeak = (algorithms: string[]) => {
    const weakOnes = entry.allowSha1Signatures ? [] : weakSignatureAlgorithms(algorithms);
    if (weakOnes.length)
      throw refuse(
        'SAML_SIGNATURE_WEAK',
        `The response is signed with SHA-1 (${weakOnes[0]}); set allowSha1Signatures on the entry to accept it.`,
        idp.entityId,
      );
  };

  let parsed: Record<string, unknown>;
  try {
    const { profile } = await (
      await samlFor(entry, idp, { pending: request })
    ).validatePostResponseAsync({
      SAMLResponse: samlResponse,
    });
    if (!profile?.getAssertion) throw new Error('Missing SAML assertion');
    parsed = profile.getAssertion();
  } catch (e) {
    if (isLanyardError(e)) throw e;
    deps.log.info({ provider: entry.id, idp: idp.entityId, reason: (e as Error).message }, 'SAML response refused');
    throw refuse(codeForNodeSamlError(e), 'The response from the institution was refused.', idp.entityId);
  }
  // Only once the signature is the IdP's: a forged response naming SHA-1 is SAML_SIGNATURE_INVALID,
  // never a page telling the operator to allow SHA-1.
  refuseWeak(envelope.signatureAlgorithms);
  // An encrypted assertion's own signature is visible only decrypted (node-saml hands on the signed
  // content, without its Signature element): decrypt it again with node-saml's own function.
  if (envelope.encryptionAlgorithms.length && !entry.allowSha1Signatures)
    refuseWeak(signatureAlgorithmsIn(await decryptXml(xml, entry.encryption.privateKey)));
  const assertion = parseAssertion(parsed);
  checkIssuer(assertion, idp.entityId);
  checkDestination(envelope, entry, idp.entityId);
  checkConfirmation(assertion, entry, idp.entityId, request?.id ?? null, deps.clock.now());
  if (!request) checkLifetime(assertion, entry, idp.entityId, deps.clock.now());
  checkNameQualifiers(assertion, entry, idp.entityId);
  const released = readReleased(assertion, idp, entry, deps.log);
  return { idp, request, envelope, assertion, released };
}

/**
 * Writes what makes the response single-use, atomically: its assertion ID into the replay cache
 * (until the assertion expires), and the request it answers out of the pending ones (leaving a
 * marker, so a replay is named as one). Of two concurrent posts of one response, one wins.
 */
export async function commitResponse(deps: SamlDeps, entry: SamlEntry, verified: Verified): Promise<void> {
  const { assertion, idp, request } = verified;
  const ttl = assertionExpiry(assertion, entry, deps.clock.now());
  const assertionId = assertion.id ?? verified.envelope.id ?? '';
  // The replay cache is always the database's, also when the rest of the flow state is in Redis: a
  // cache split between Redis and a fallback could not tell, while Redis fails, that an assertion
  // was used before the outage — and for an IdP-initiated response it is the only guard.
  const replayCache = postgresFlowState(deps.db, deps.clock);
  // Hashed: an assertion ID has no length limit (xs:ID), and a key cut short would let two long
  // IDs collide (and a long one of multi-byte characters outgrow the index).
  const seen = hash('sha256', `${entry.id}\n${idp.entityId}\n${assertionId}`, 'base64url');
  const fresh = await replayCache.add(`saml:seen:${seen}`, 1, ttl);
  if (!fresh) throw refuse('SAML_REPLAYED', 'This response was used already.', idp.entityId);
  // An ID recorded before the key was hashed (kept at most a day): remove a day after upgrading.
  const earlier = `saml:seen:${entry.id}:${idp.entityId}:${assertionId}`;
  if (Buffer.byteLength(earlier) <= 2000 && (await replayCache.peek(earlier)) !== null)
    throw refuse('SAML_REPLAYED', 'This response was used already.', idp.entityId);
  if (request) {
    const taken = await deps.store.take<PendingRequest>(requestKey(request.id));
    if (!taken) throw refuse('SAML_REPLAYED', 'This response was used already.', idp.entityId);
    await deps.store.add(usedKey(request.id), { idp: idp.entityId }, entry.requestTtlSeconds);
  }
}

function decode(samlResponse: string): string {
  if (samlResponse.length > MAX_RESPONSE_BYTES * 1.4 || !/^[A-Za-z0-9+/=\s]+$/.test(samlResponse))
    throw refuse('SAML_RESPONSE_INVALID', 'The SAMLResponse is not base64.', null);
  return Buffer.from(samlResponse, 'base64').toString('utf8');
}
