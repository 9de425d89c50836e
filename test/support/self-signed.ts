import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away TLS key and self-signed certificate for one host name, made with openssl as an operator would. */
export interface SelfSigned {
  key: string;
  cert: string;
  /** The certificate's file, for NODE_EXTRA_CA_CERTS. */
  certPath: string;
  remove(): void;
}

/**
 * `host` is the certificate's subject and DNS name; `ips` are added as IP subject alternative
 * names. Valid for a day. Without openssl this throws: the tests that need it fail, never skip.
 */
export function selfSignedCertificate(host: string, ips: string[] = []): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), 'lanyard-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const altNames = [`DNS:${host}`, ...ips.map((ip) => `IP:${ip}`)].join(',');
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${host}`].concat([
        '-addext',
        `subjectAltName=${altNames}`,
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ]),
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl could not make a certificate for ${host}${stderr ? `: ${stderr}` : ''}`, { cause: e });
  }
  return {
    key: readFileSync(keyPath, 'utf8'),
    cert: readFileSync(certPath, 'utf8'),
    certPath,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
