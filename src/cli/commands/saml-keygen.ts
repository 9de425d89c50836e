import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateKeyPair } from '../../providers/saml/certificate.js';
import { type Command, CommandFailed, say, UsageError } from '../command.js';

/**
 * `saml keygen [dir]`: a signing and an encryption key pair for a SAML entry (RSA 3072, self-signed
 * certificates valid 10 years — SAML peers trust the certificate through metadata, never a CA).
 * Refuses to overwrite: replacing an SP key breaks sign-in until every IdP has the new metadata.
 */
export const samlKeygen: Command = {
  usage: 'saml keygen [dir]',
  summary: 'Make a SAML signing and encryption key pair (files in dir, default ./saml) for a saml provider.',
  async run(args, io) {
    if (args.length > 1) throw new UsageError(`unexpected argument "${args[1]}"`);
    const dir = resolve(args[0] ?? 'saml');
    const files = ['signing', 'encryption'].flatMap((use) => [join(dir, `${use}.key`), join(dir, `${use}.crt`)]);
    const existing = files.filter((f) => existsSync(f));
    if (existing.length)
      throw new CommandFailed(`${existing.join(', ')} exist already; keep them, or move them away to make new ones.`);
    mkdirSync(dir, { recursive: true });
    for (const use of ['signing', 'encryption']) {
      const pair = generateKeyPair({ commonName: `lanyard saml ${use}` });
      writeFileSync(join(dir, `${use}.key`), pair.privateKey, { mode: 0o600 });
      writeFileSync(join(dir, `${use}.crt`), pair.certificate);
    }
    say(
      io.stdout,
      `Wrote ${files.join(', ')}.`,
      'Set them in the saml entry of your providers list (the keys must stay private; every process needs the same):',
      `  "signingKey": "${join(dir, 'signing.key')}", "signingCert": "${join(dir, 'signing.crt')}",`,
      `  "encryptionKey": "${join(dir, 'encryption.key')}", "encryptionCert": "${join(dir, 'encryption.crt')}"`,
    );
    return 0;
  },
};
