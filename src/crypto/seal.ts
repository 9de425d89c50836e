import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytesPooled } from './token.js';
import type { SecretKey } from '../config/schema.js';
import { LanyardError } from '../errors.js';

/**
 * AES-256-GCM for provider tokens at rest. The output names the key that sealed it
 * (`v1.<keyId>.<iv>.<tag>.<ciphertext>`), so keys can rotate: seal with the newest, open with any.
 */
export function seal(keys: SecretKey[], plaintext: string): string {
  const current = keys[0];
  if (!current) throw new LanyardError('CONFIG_INVALID', 'no secret key configured');
  const iv = randomBytesPooled(12);
  const cipher = createCipheriv('aes-256-gcm', current.key, iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    'v1',
    current.id,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ct.toString('base64url'),
  ].join('.');
}

export function sealedKeyId(sealed: string): string | undefined {
  return sealed.split('.')[1];
}

export function open(keys: SecretKey[], sealed: string): string {
  const [version, keyId, iv, tag, ct] = sealed.split('.');
  const key = keys.find((k) => k.id === keyId);
  if (version !== 'v1' || !key || !iv || !tag || ct === undefined) {
    throw new LanyardError('INTERNAL', `sealed value cannot be opened (key ${keyId ?? '?'} unknown or format wrong)`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}
