import { LanyardError } from '../errors.js';

/**
 * The one form of an email address Lanyard compares, stores, shows and mails to (docs/security.md
 * "One form of an email address"): surrounding white space removed and the ASCII letters A–Z
 * lower-cased — nothing else. Not `toLowerCase()` or SQL `lower()`: those fold non-ASCII letters
 * too (U+0130 "İ" to "i̇", the Kelvin sign U+212A to "k"), and two foldings that disagree let one
 * mailbox match another's account. Every store and lookup goes through this one function.
 */
export function canonicalEmail(address: string): string {
  return address.trim().replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

// RFC 5322 dot-atom local part, RFC 1035 letter-digit-hyphen labels: ASCII only, so an
// internationalised address (RFC 6531) or a Unicode domain is not an address here.
const atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const localPart = new RegExp(`^${atom}(?:\\.${atom})*$`);
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const domain = new RegExp(`^${label}(?:\\.${label})+$`);

/**
 * Reads exactly one address — typed by a person or released by a provider, the same rules for
 * both — and returns its canonical form, or null. Lists, display names, quoted local parts, header
 * injections, a trailing dot in the domain and non-ASCII characters are not one plain address.
 */
export function readEmail(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const email = canonicalEmail(input);
  const at = email.indexOf('@');
  if (email.length > 254 || at < 1 || at > 64) return null;
  return localPart.test(email.slice(0, at)) && domain.test(email.slice(at + 1)) ? email : null;
}

/** `readEmail` for a form or API field: the canonical form, or a 400 INVALID_EMAIL. */
export function parseEmail(input: unknown): string {
  const email = readEmail(input);
  if (email === null) throw new LanyardError('INVALID_EMAIL', 'This is not a valid email address.', { field: 'email' });
  return email;
}
