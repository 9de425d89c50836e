import type { SamlEntry } from '../../src/providers/saml/config.js';
import { testKeys } from './saml-idp.js';

/** A `saml` entry as the configuration would give it, for tests of the parts below the routes. */
export function samlEntry(over: Partial<SamlEntry> & Pick<SamlEntry, 'source'>): SamlEntry {
  const id = over.id ?? 'uni';
  const base = `http://lanyard.test/auth/${id}`;
  const signing = testKeys(1);
  const encryption = testKeys(2);
  return {
    id,
    type: 'saml',
    label: { en: 'University A' },
    trustEmail: false,
    timeoutMs: 10_000,
    spEntityId: `${base}/metadata`,
    metadataUrl: `${base}/metadata`,
    acsUrl: `${base}/acs`,
    signing: { privateKey: signing.privateKey, certificate: signing.certificate },
    encryption: { privateKey: encryption.privateKey, certificate: encryption.certificate },
    trustEmailFrom: [],
    allowIdpInitiated: false,
    clockSkewSeconds: 180,
    refreshMinutes: 240,
    requestTtlSeconds: 1800,
    wantAssertionsSigned: false,
    allowSha1Signatures: false,
    requireValidUntil: true,
    signAuthnRequests: false,
    nameIdFormat: 'auto',
    maxMetadataBytes: 200 * 1024 * 1024,
    ...over,
  };
}
