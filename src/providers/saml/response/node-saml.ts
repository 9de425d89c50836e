import type { CacheProvider, Profile, SAML } from '@node-saml/node-saml';
import type { ErrorCode } from '../../../errors.js';
import type { Idp } from '../catalogue.js';
import type { SamlEntry } from '../config.js';
import { certificatePem } from '../keys.js';
import { nameIdFormat } from '../namespaces.js';

/**
 * node-saml and the XML libraries under it (xml-crypto, xml-encryption, xmldom, xpath: about 10 MB
 * of a process's memory) load when the first SAML request or response is handled, not at start:
 * most deployments configure no SAML provider. The import is cached, so concurrent first requests
 * share one load.
 */
const nodeSaml = () => import('@node-saml/node-saml');

/**
 * node-saml (≥ 5.1.0: earlier ones read the assertion from the unsigned part of a response,
 * CVE-2025-54369 / CVE-2025-54419) configured for one IdP of an entry. It checks the XML
 * signature against the IdP's certificates only (a signed response or a signed assertion, or
 * both with `wantAssertionsSigned`), decrypts, checks audience and validity with the clock skew,
 * and InResponseTo against the pending request. What it leaves to the caller — Recipient,
 * Destination, the issuer, NameID qualifiers, scopes — src/providers/saml/response/checks.ts does.
 */
export async function samlFor(
  entry: SamlEntry,
  idp: Idp,
  opts: { requestId?: string; pending?: { createdAt: string } | null; forceAuthn?: boolean } = {},
): Promise<SAML> {
  const { SAML, ValidateInResponseTo } = await nodeSaml();
  // The pending request, read-only: consuming it is the caller's job, after every check passed.
  const cacheProvider: CacheProvider = {
    saveAsync: async () => null,
    getAsync: async () => opts.pending?.createdAt ?? null,
    removeAsync: async () => null,
  };
  const wantsPersistent =
    entry.nameIdFormat === 'persistent' ||
    (entry.nameIdFormat === 'auto' && idp.nameIdFormats.includes(nameIdFormat.persistent));
  return new SAML({
    issuer: entry.spEntityId,
    audience: entry.spEntityId,
    callbackUrl: entry.acsUrl,
    entryPoint: idp.ssoRedirect ?? undefined,
    idpCert: idp.signingCerts.length ? idp.signingCerts.map(certificatePem) : ['-'],
    // Shibboleth IdPs release persistent NameIDs when configured to; never ask for emailAddress.
    identifierFormat: wantsPersistent ? nameIdFormat.persistent : null,
    allowCreate: true,
    forceAuthn: opts.forceAuthn ?? false,
    disableRequestedAuthnContext: true,
    wantAuthnResponseSigned: false,
    wantAssertionsSigned: entry.wantAssertionsSigned,
    acceptedClockSkewMs: entry.clockSkewSeconds * 1000,
    validateInResponseTo: opts.pending ? ValidateInResponseTo.always : ValidateInResponseTo.never,
    requestIdExpirationPeriodMs: entry.requestTtlSeconds * 1000,
    cacheProvider,
    decryptionPvk: entry.encryption.privateKey,
    ...(entry.signAuthnRequests ? { privateKey: entry.signing.privateKey, signatureAlgorithm: 'sha256' as const } : {}),
    ...(opts.requestId ? { generateUniqueId: () => opts.requestId! } : {}),
  });
}

export type { Profile };
/** node-saml's own decryption (xml-encryption), for reading what the verified assertion was signed with. */
export async function decryptXml(xml: string, decryptionKey: string): Promise<string> {
  const xmlLib = await import('@node-saml/node-saml/lib/xml.js');
  return xmlLib.decryptXml(xml, decryptionKey);
}

/** node-saml's refusals (plain Error messages) sorted into Lanyard's stable codes. */
export function codeForNodeSamlError(e: unknown): ErrorCode {
  const message = (e as Error)?.message ?? '';
  if ((e as Error)?.name === 'SamlStatusError') return 'SAML_IDP_REFUSED';
  if (/signature|signed data|Referenced node|ID cannot refer|transforms|ref URI/i.test(message))
    return 'SAML_SIGNATURE_INVALID';
  if (/audience/i.test(message)) return 'SAML_AUDIENCE_MISMATCH';
  if (/expired|not yet valid|too old|No valid subject confirmation/i.test(message)) return 'SAML_EXPIRED';
  if (/InResponseTo/i.test(message)) return 'SAML_REQUEST_UNKNOWN';
  return 'SAML_RESPONSE_INVALID';
}
