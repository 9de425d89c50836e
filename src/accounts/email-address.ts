import { LanyardError } from '../errors.js';

/**
 * A deliberately plain check (RFC 5321 lengths, one @, a dotted domain, no spaces or control
 * characters): the mailed link is the real proof an address works.
 */
export function parseEmail(input: unknown): string {
  const email = typeof input === 'string' ? input.trim() : '';
  const at = email.lastIndexOf('@');
  const ok =
    email.length >= 3 &&
    email.length <= 254 &&
    at > 0 &&
    at <= 64 &&
    !/[\s\u0000-\u001f<>()[\]\\,;:"]/.test(email) &&
    /^[^@]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(email);
  if (!ok) throw new LanyardError('INVALID_EMAIL', 'This is not a valid email address.', { field: 'email' });
  return email;
}
