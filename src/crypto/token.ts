import { createHash, createHmac, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

// Bytes from the CSPRNG are drawn 4 KiB at a time and each handed out once (as Node does for
// randomUUID): a sign-in needs a handful of small random values, and one call to the generator
// per value cost more than the rest of making them.
const pool = Buffer.alloc(4096);
let used = pool.length;

/** `size` (at most 256) random bytes, as a view into the pool: read them before the next call. */
function draw(size: number): Buffer {
  if (used + size > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = pool.subarray(used, used + size);
  used += size;
  return bytes;
}

/** 256 bits from the CSPRNG, base64url: what every registration token and session secret is made of. */
export function randomToken(bytes = 32): string {
  return bytes > 256 ? randomBytes(bytes).toString('base64url') : draw(bytes).toString('base64url');
}

/** Random bytes of one's own (a copy from the pool), e.g. an IV. */
export function randomBytesPooled(size: number): Buffer {
  return size > 256 ? randomBytes(size) : Buffer.from(draw(size));
}

/** Tokens are stored only as their SHA-256 (docs/design.md §4); a stolen table reveals no live token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function hmac(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The shape of a token this service issues: 43 base64url characters. Anything else is refused unread. */
export const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
