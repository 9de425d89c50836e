// ORCID iDs: ISO/IEC 7064 MOD 11-2 check digit, format check, and minting.
// Source: ORCID-Source `orcid-core/.../crypto/OrcidCheckDigitGenerator.java`,
// `orcid-utils/.../OrcidStringUtils.java`, `orcid-core/.../manager/OrcidGenerationManager.java`
// (docs/design.md, ORCID §1.10).
import { randomInt } from 'node:crypto';

const ORCID_PATTERN = /^(\d{4}-){3}\d{3}[\dX]$/;

/**
 * The check character for the 15 base digits of an iD.
 * @example orcidCheckDigit('000000021825009') // '7'
 */
export function orcidCheckDigit(base15: string): string {
  let total = 0;
  for (const ch of base15) total = (total + (ch.charCodeAt(0) - 48)) * 2;
  const result = (12 - (total % 11)) % 11;
  return result === 10 ? 'X' : String(result);
}

/**
 * True for a well-formed iD whose check digit is right. The `X` must be upper case
 * (https://support.orcid.org/hc/en-us/articles/360053289173).
 * @example isValidOrcid('0000-0002-1694-233X') // true
 */
export function isValidOrcid(id: string): boolean {
  if (!ORCID_PATTERN.test(id)) return false;
  const digits = id.replaceAll('-', '');
  return orcidCheckDigit(digits.slice(0, 15)) === digits[15];
}

// The current generator draws from 0009-0000-0000-0000 to 0009-0010-0000-0000
// (ORCID_BASE_V2_MIN/MAX = 900000000000/900100000000 in OrcidGenerationManager).
const MINT_MIN = 900_000_000_000;
const MINT_SPAN = 100_000_000;

/**
 * A new iD in the 0009 block that `taken` does not contain.
 * @example mintOrcid(new Set()) // e.g. '0009-0004-1234-567X'
 */
export function mintOrcid(taken: ReadonlySet<string> | ReadonlyMap<string, unknown>): string {
  for (;;) {
    const base = String(MINT_MIN + randomInt(MINT_SPAN)).padStart(15, '0');
    const digits = base + orcidCheckDigit(base);
    const id = digits.match(/.{4}/g)!.join('-');
    if (!taken.has(id)) return id;
  }
}
