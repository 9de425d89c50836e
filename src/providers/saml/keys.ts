import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { keyMatchesCertificate } from './certificate.js';

/** A private key and its certificate, both PEM. */
export interface KeyPairPem {
  privateKey: string;
  certificate: string;
}

/** Why a configured key or certificate cannot be used; the caller names the setting and the fix. */
export class KeyProblem extends Error {
  override readonly name = 'KeyProblem';
}

/** A PEM value from configuration: the PEM itself, or the path of a file holding it. */
export function readPem(value: string, what: 'private key' | 'certificate'): string {
  const pem = value.trimStart().startsWith('-----BEGIN') ? value : readPemFile(value, what);
  try {
    if (what === 'private key') createPrivateKey(pem);
    else new X509Certificate(pem);
  } catch {
    throw new KeyProblem(`is not a PEM ${what}`);
  }
  return pem;
}

function readPemFile(path: string, what: string): string {
  const file = resolve(path);
  if (!existsSync(file)) throw new KeyProblem(`names ${file}, which does not exist (a ${what} file was expected)`);
  return readFileSync(file, 'utf8');
}

export function checkPair(pair: KeyPairPem): void {
  if (!keyMatchesCertificate(pair.privateKey, pair.certificate))
    throw new KeyProblem('does not belong to the certificate configured with it');
}

/** The base64 body of a PEM certificate, as it appears in ds:X509Certificate. */
export const certificateBody = (pem: string) => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

/** The body in lines of 64, as Shibboleth writes metadata: some peers' PEM readers refuse one long line. */
export const wrappedCertificateBody = (pem: string) =>
  `\n${(certificateBody(pem).match(/.{1,64}/g) ?? []).join('\n')}\n`;

/** A ds:X509Certificate body as PEM. */
export function certificatePem(body: string): string {
  return `-----BEGIN CERTIFICATE-----\n${(body.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
}
