import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { CallbackRequest } from '../provider.js';

/** The proxies allowed to speak for mod_shib: addresses or CIDR ranges, IPv4 or IPv6. */
export function proxyList(entries: string[]): { allows(address: string | undefined): boolean; invalid: string[] } {
  const list = new BlockList();
  const invalid: string[] = [];
  for (const entry of entries) {
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    if (
      !family ||
      rest.length ||
      (bits !== undefined && !/^\d{1,3}$/.test(bits)) ||
      Number(bits) > (family === 6 ? 128 : 32)
    ) {
      invalid.push(entry);
      continue;
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, Number(bits), type);
  }
  return {
    invalid,
    allows(raw) {
      if (!raw) return false;
      // An IPv4 client on a dual-stack socket appears as ::ffff:a.b.c.d.
      const address = raw.startsWith('::ffff:') && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw;
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

const digest = (value: string) => createHash('sha256').update(value, 'latin1').digest();

/**
 * Whether this request came through the trusted proxy: the TCP peer itself (never an
 * X-Forwarded-For header, which a client writes) is a listed proxy, and the request carries the
 * shared secret the proxy adds, exactly once. Both, or the headers could be anyone's. The secrets
 * are compared as SHA-256 digests in constant time, so neither their content nor their length
 * shows in the timing.
 */
export function fromTrustedProxy(
  request: CallbackRequest,
  proxies: ReturnType<typeof proxyList>,
  secretHeader: string,
  secret: string,
): boolean {
  const sent = request.headers[secretHeader.toLowerCase()];
  const fromProxy = proxies.allows(request.remoteAddress);
  const matches = typeof sent === 'string' && sent.length > 0 && timingSafeEqual(digest(sent), digest(secret));
  return fromProxy && matches;
}
