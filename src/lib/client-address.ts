import { isIPv4, isIPv6 } from 'node:net';

/**
 * The unit a limit counts a client address in: an IPv4 address as it is, an IPv6 address as its
 * /64 prefix (`2001:db8:1:2::/64`). One IPv6 host is handed a whole /64 — a home line, a cloud
 * machine, a phone — and may send from any of its 2^64 addresses, so a limit counted per IPv6
 * address is no limit: each new address would get the allowance of a new client. An IPv4-mapped
 * IPv6 address (`::ffff:192.0.2.1`, what a dual-stack socket reports) counts as its IPv4 address,
 * and one IPv6 address however it is spelt counts once. Anything else is returned unchanged. The
 * per-route limits (@fastify/rate-limit, src/http/app.ts) count in the same unit by default.
 */
export function addressBucket(ip: string): string {
  if (isIPv4(ip)) return ip;
  const address = ip.split('%')[0]!; // a zone index (fe80::1%eth0) names an interface, not a host
  if (!isIPv6(address)) return ip;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail read as two groups). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(2).map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    text = dotted[1]!.endsWith('::') ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest ? rest.split(':') : [];
  const zeros = rest === undefined ? 0 : 8 - tail.length - headGroups.length - restGroups.length;
  return [...headGroups, ...Array<string>(zeros).fill('0'), ...restGroups].map((g) => parseInt(g, 16)).concat(tail);
}
