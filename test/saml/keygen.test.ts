import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { runCli } from '../../src/cli/run.js';
import { keyMatchesCertificate } from '../../src/providers/saml/certificate.js';

async function cli(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await runCli(args, { env: {}, stdin: new PassThrough(), stdout, stderr });
  return { code, out, err };
}

test('npx lanyard saml keygen makes a signing and an encryption pair, private keys readable by the owner only, and never overwrites them', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'lanyard-keygen-')), 'saml');
  try {
    const made = await cli(['saml', 'keygen', dir]);
    assert.equal(made.code, 0, made.err);
    for (const use of ['signing', 'encryption']) {
      const key = readFileSync(join(dir, `${use}.key`), 'utf8');
      const cert = readFileSync(join(dir, `${use}.crt`), 'utf8');
      assert.ok(keyMatchesCertificate(key, cert), `${use}: the key belongs to the certificate`);
      assert.equal(statSync(join(dir, `${use}.key`)).mode & 0o777, 0o600);
      const x509 = new X509Certificate(cert);
      assert.equal(x509.publicKey.asymmetricKeyDetails?.modulusLength, 3072);
      assert.ok(new Date(x509.validTo).getTime() > Date.now() + 9 * 365 * 86400_000);
      assert.ok(x509.verify(x509.publicKey), 'self-signed');
      assert.match(made.out, new RegExp(`"${use}Key": "${join(dir, `${use}.key`)}"`));
    }
    const before = readFileSync(join(dir, 'signing.key'), 'utf8');
    const again = await cli(['saml', 'keygen', dir]);
    assert.equal(again.code, 1);
    assert.match(again.err, /exist already/);
    assert.equal(readFileSync(join(dir, 'signing.key'), 'utf8'), before);
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});
