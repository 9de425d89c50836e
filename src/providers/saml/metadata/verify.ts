import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetadataDocument } from './parse.js';
import { ns } from '../namespaces.js';

/** The xmlsec1 binary (Debian's `xmlsec1` package); LANYARD_XMLSEC1 overrides the path. */
export const xmlsec1Binary = () => process.env.LANYARD_XMLSEC1 ?? 'xmlsec1';

export class MetadataSignatureError extends Error {
  override readonly name = 'MetadataSignatureError';
}

/**
 * Verifies the signature of a metadata file with the federation's certificate, using xmlsec1
 * (libxml2 + OpenSSL: tens of MB in seconds, where an XML-DSig library in JavaScript needs a
 * DOM of the whole file). Only the configured certificate counts: a certificate inside the
 * document's KeyInfo is never trusted (no --trusted-pem, no --insecure), references may point
 * only into the document itself, and the signature checked is the root element's own child.
 */
export async function verifyWithXmlsec1(file: string, certificatePem: string, workDir: string): Promise<void> {
  const certFile = join(workDir, 'federation.crt');
  writeFileSync(certFile, certificatePem);
  const args = [
    '--verify',
    '--enabled-reference-uris',
    'empty,same-doc',
    '--pubkey-cert-pem',
    certFile,
    '--id-attr:ID',
    `${ns.md}:EntitiesDescriptor`,
    '--id-attr:ID',
    `${ns.md}:EntityDescriptor`,
    '--node-xpath',
    `/*/*[local-name()='Signature' and namespace-uri()='${ns.ds}']`,
    file,
  ];
  await new Promise<void>((resolve, reject) => {
    execFile(xmlsec1Binary(), args, { maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return reject(new Error('xmlsec1 is not installed (Debian: apt-get install xmlsec1)'));
      const reason = /\bfunc=\w+:[^\n]*reason=([^\n]*)/.exec(stderr)?.[1]?.trim() ?? stderr.trim().split('\n').at(-1);
      reject(new MetadataSignatureError(`the metadata signature does not verify (${reason ?? 'xmlsec1 failed'})`));
    });
  });
}

/**
 * xmlsec1 says the signature it checked is valid; this says it is the one that matters: exactly
 * one signature directly under the root, with one reference, to the root itself ("#" + its ID,
 * or "" for the whole document), and no other element carrying the root's ID. Without it, a
 * document whose signature covers only one embedded entity would pass for a signed aggregate.
 */
export function checkSignatureCoversRoot(doc: MetadataDocument): void {
  const [signature, ...more] = doc.rootSignatureReferences;
  if (!signature) throw new MetadataSignatureError('the metadata is not signed at its root element');
  if (more.length) throw new MetadataSignatureError('the metadata root has more than one signature');
  if (signature.length !== 1) throw new MetadataSignatureError('the root signature must have exactly one reference');
  const uri = signature[0]!;
  const coversRoot = uri === '' || (doc.rootId !== null && uri === `#${doc.rootId}`);
  if (!coversRoot) throw new MetadataSignatureError(`the root signature covers "${uri}", not the root element`);
  if (doc.rootIdRepeated) throw new MetadataSignatureError('another element carries the root element’s ID');
}
