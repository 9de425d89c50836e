import { SaxesParser } from 'saxes';
import { ns } from '../namespaces.js';

/**
 * The outside of a SAML Response, read before any signature is checked: what to check it
 * against (which request, which IdP) and what to refuse at once. Nothing read here is trusted
 * for the sign-in itself; the assertion node-saml verified is.
 */
export interface Envelope {
  id: string | null;
  inResponseTo: string | null;
  destination: string | null;
  issuer: string | null;
  status: string | null;
  subStatus: string | null;
  statusMessage: string | null;
  /** Algorithms of every xenc:EncryptionMethod (data and key transport). */
  encryptionAlgorithms: string[];
  /** SignatureMethod and Reference DigestMethod algorithms of every signature outside encrypted data. */
  signatureAlgorithms: string[];
}

const xenc = 'http://www.w3.org/2001/04/xmlenc#';

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

export function readEnvelope(xml: string): Envelope {
  const env: Envelope = {
    id: null,
    inResponseTo: null,
    destination: null,
    issuer: null,
    status: null,
    subStatus: null,
    statusMessage: null,
    encryptionAlgorithms: [],
    signatureAlgorithms: [],
  };
  const parser = new SaxesParser({ xmlns: true });
  const path: string[] = [];
  let text: ((v: string) => void) | null = null;
  let buffer = '';
  parser.on('doctype', () => {
    throw new EnvelopeError('a SAML response must not contain a DOCTYPE');
  });
  parser.on('opentag', (tag) => {
    const attr = (n: string) => tag.attributes[n]?.value ?? null;
    const depth = path.length;
    path.push(`${tag.uri} ${tag.local}`);
    if (depth === 0) {
      if (tag.uri !== ns.samlp || tag.local !== 'Response') throw new EnvelopeError(`not a SAML Response: ${tag.name}`);
      env.id = attr('ID');
      env.inResponseTo = attr('InResponseTo');
      env.destination = attr('Destination');
      return;
    }
    const parent = path[depth - 1];
    if (depth === 1 && tag.uri === ns.saml && tag.local === 'Issuer') text = (v) => (env.issuer = v);
    if (parent === `${ns.samlp} Status` && tag.local === 'StatusCode') env.status = attr('Value');
    if (parent === `${ns.samlp} StatusCode` && tag.local === 'StatusCode') env.subStatus ??= attr('Value');
    if (parent === `${ns.samlp} Status` && tag.local === 'StatusMessage') text = (v) => (env.statusMessage = v);
    if (tag.uri === xenc && tag.local === 'EncryptionMethod' && attr('Algorithm'))
      env.encryptionAlgorithms.push(attr('Algorithm')!);
    const signing = signatureAlgorithm(parent, tag.uri, tag.local, attr('Algorithm'));
    if (signing) env.signatureAlgorithms.push(signing);
    if (text) buffer = '';
  });
  parser.on('text', (t) => {
    if (text) buffer += t;
  });
  parser.on('closetag', () => {
    path.pop();
    if (text) {
      text(buffer.trim());
      text = null;
    }
  });
  try {
    parser.write(xml).close();
  } catch (e) {
    if (e instanceof EnvelopeError) throw e;
    throw new EnvelopeError(`the response is not well-formed XML (${(e as Error).message.split('\n')[0]})`);
  }
  return env;
}

/**
 * Encryption Lanyard accepts: AES (CBC or GCM) for the assertion, RSA-OAEP for its key. RSA
 * PKCS#1 v1.5 key transport is refused before decryption is tried (it makes the ACS a padding
 * oracle), and so is 3DES.
 */
const acceptedEncryption = new Set([
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes192-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2009/xmlenc11#aes192-gcm',
  'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  'http://www.w3.org/2009/xmlenc11#rsa-oaep',
]);

export const unacceptedEncryption = (env: Envelope) =>
  env.encryptionAlgorithms.filter((a) => !acceptedEncryption.has(a));

/**
 * The algorithm a signature element names: its SignatureMethod (in SignedInfo) or a Reference's
 * DigestMethod. An EncryptionMethod's DigestMethod (RSA-OAEP's, SHA-1 by default) is not a signature's.
 */
function signatureAlgorithm(parent: string | undefined, uri: string, local: string, algorithm: string | null) {
  if (!algorithm || uri !== ns.ds) return null;
  if (local === 'SignatureMethod' && parent === `${ns.ds} SignedInfo`) return algorithm;
  if (local === 'DigestMethod' && parent === `${ns.ds} Reference`) return algorithm;
  return null;
}

/** The signature and digest algorithms of every signature in an XML document (a decrypted assertion). */
export function signatureAlgorithmsIn(xml: string): string[] {
  const found: string[] = [];
  const path: string[] = [];
  const parser = new SaxesParser({ xmlns: true });
  parser.on('opentag', (tag) => {
    const algorithm = signatureAlgorithm(path.at(-1), tag.uri, tag.local, tag.attributes.Algorithm?.value ?? null);
    if (algorithm) found.push(algorithm);
    path.push(`${tag.uri} ${tag.local}`);
  });
  parser.on('closetag', () => path.pop());
  parser.write(xml).close();
  return found;
}

/**
 * SHA-1 (and MD5) signatures and digests: chosen-prefix collisions for SHA-1 are practical, so a
 * signature over a SHA-1 digest no longer proves what the IdP signed. Refused unless the entry
 * sets `allowSha1Signatures`.
 */
export const weakSignatureAlgorithms = (algorithms: string[]) => algorithms.filter((a) => /(sha1|md5)$/i.test(a));
