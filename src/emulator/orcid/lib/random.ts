// Random artefacts in ORCID's shapes (docs/design.md, ORCID §0.2, §1.2).
import { randomFillSync, randomUUID } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

// Random bytes come from a pool refilled 4 KiB at a time: one CSPRNG call per ~600 codes
// instead of one per code, which matters at thousands of sign-ins per second.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomByte(): number {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++]!;
}

/** `length` characters drawn uniformly from `alphabet` (rejection sampling, no modulo bias). */
export function randomString(length: number, alphabet: string = ALPHANUMERIC): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < limit) out += alphabet[byte % alphabet.length];
  }
  return out;
}

/** Authorization codes are six alphanumerics, e.g. `eUeiz2` (orcid-api-web/tutorial/get_id.md). */
export const randomAuthorizationCode = (): string => randomString(6);

/** Tokens are lowercase UUID v4 (legacy `OrcidRandomValueTokenServicesImpl.generateAccessToken`). */
export const randomToken = (): string => randomUUID();

/** Key ids follow `<env>-orcid-org-<32 lowercase alnum>` (§1.9.2); env is `emulator` here. */
export const randomKid = (): string => `emulator-orcid-org-${randomString(32, LOWER_ALPHANUMERIC)}`;
