import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, type KeyPair } from '../../src/providers/saml/certificate.js';

/** The Debian interpreter: python3-pysaml2 lives in its dist-packages, not in another python3 on PATH. */
export const IDP_PYTHON = process.env.LANYARD_TEST_PYSAML2_PYTHON ?? '/usr/bin/python3';
const script = join(dirname(fileURLToPath(import.meta.url)), 'saml-idp', 'idp.py');

/** Attribute values by pysaml2's friendly names (mail, givenName, eduPersonPrincipalName, subject-id …). */
export type IdpAttributes = Record<string, string[]>;

export interface IdpUser {
  /** The persistent NameID value released to every SP. */
  persistentId: string;
  label?: string;
  attributes: IdpAttributes;
}

export interface SamlIdp {
  entityId: string;
  baseUrl: string;
  metadataUrl: string;
  /** Its signing key pair (tests re-sign tampered responses with it, as a compromised IdP would). */
  keys: KeyPair;
  scopes: string[];
  /** Makes the IdP trust an SP (its metadata XML), as registering the SP at a real IdP does. */
  trustSp(metadataXml: string): Promise<void>;
  addUsers(users: Record<string, IdpUser>): Promise<void>;
  close(): Promise<void>;
}

export interface IdpOptions {
  scopes?: string[];
  displayName?: string;
  users?: Record<string, IdpUser>;
  /** Host in the IdP's URLs (`localhost` makes it a different site from Lanyard on 127.0.0.1). */
  publicHost?: string;
}

let keyPool: KeyPair[] = [];

/** 2048-bit keys, made once per test process and shared between IdPs of different tests. */
export function testKeys(index: number): KeyPair {
  while (keyPool.length <= index) keyPool.push(generateKeyPair({ commonName: `test-${keyPool.length}`, bits: 2048 }));
  return keyPool[index]!;
}

let started = 0;

/**
 * Starts the pysaml2 IdP (test/support/saml-idp/idp.py) on an ephemeral port with its own key
 * and the given users; resolves when it listens.
 */
export async function startSamlIdp(opts: IdpOptions = {}): Promise<SamlIdp> {
  const dir = mkdtempSync(join(tmpdir(), 'lanyard-idp-'));
  const keys = testKeys(started++ % 3);
  const scopes = opts.scopes ?? ['uni-a.example'];
  writeFileSync(join(dir, 'idp.key'), keys.privateKey, { mode: 0o600 });
  writeFileSync(join(dir, 'idp.crt'), keys.certificate);
  writeFileSync(
    join(dir, 'settings.json'),
    JSON.stringify({
      host: '127.0.0.1',
      publicHost: opts.publicHost ?? '127.0.0.1',
      keyFile: join(dir, 'idp.key'),
      certFile: join(dir, 'idp.crt'),
      scopes,
      displayName: opts.displayName ?? 'University A',
      users: opts.users ?? {},
    }),
  );
  const child = spawn(IDP_PYTHON, [script, join(dir, 'settings.json')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const ready = await firstLine(child).catch((e: Error) => {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the pysaml2 IdP did not start (${e.message}): ${stderr}`);
  });
  const { entityId, baseUrl } = JSON.parse(ready) as { entityId: string; baseUrl: string };
  const post = async (path: string, body: string, type: string) => {
    const res = await fetch(`${baseUrl}${path}`, { method: 'POST', body, headers: { 'content-type': type } });
    if (!res.ok) throw new Error(`IdP ${path}: ${res.status} ${await res.text()}`);
  };
  return {
    entityId,
    baseUrl,
    metadataUrl: `${baseUrl}/metadata`,
    keys,
    scopes,
    trustSp: (xml) => post('/admin/sp', xml, 'application/samlmetadata+xml'),
    addUsers: (users) => post('/admin/users', JSON.stringify(users), 'application/json'),
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      lines.close();
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    child.once('error', reject);
  });
}
