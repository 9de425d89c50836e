import { BlockList, isIP } from 'node:net';
import { type Dispatcher, ProxyAgent, fetch as undiciFetch } from 'undici';
import { LanyardError } from '../errors.js';
import { isLoopback } from './loopback.js';

/**
 * The forward proxy Lanyard's outgoing HTTP calls go through, from the variables every HTTP tool
 * reads (curl, Go, Python's requests): `HTTPS_PROXY` for https URLs, `HTTP_PROXY` for http URLs
 * (each in lower case too, which wins when both are set), and `NO_PROXY` for the hosts reached
 * directly. Loopback hosts are always reached directly: no proxy can reach this machine's loopback.
 * As curl does, an IP range (CIDR) or a plain IP address in NO_PROXY matches a destination written
 * as an IP address only: a host name is never looked up to compare it. A range that is not one
 * (a bad address or prefix length) stops start-up naming NO_PROXY.
 */
export interface OutboundProxy {
  https: string | null;
  http: string | null;
  /** NO_PROXY's names, each with an optional `:port`: `host`, `.domain` or `*.domain` (the domain and its subdomains); and IP addresses given with a `:port`. */
  noProxy: { host: string; port: number | null }[];
  /** NO_PROXY's IP ranges (`10.0.0.0/8`, `fd00::/8`) and IP addresses without a port (`prefix` null): any port. */
  noProxyIps: NoProxyIp[];
}

export interface NoProxyIp {
  address: string;
  prefix: number | null;
  family: 'ipv4' | 'ipv6';
}

type Env = Record<string, string | undefined>;

/** The proxy settings of `env`, or null when none applies (no proxy set, or `NO_PROXY=*`). */
export function readOutboundProxy(env: Env): OutboundProxy | null {
  const read = (name: string) => env[name.toLowerCase()] || env[name] || null;
  const https = proxyUrl('HTTPS_PROXY', read('HTTPS_PROXY'));
  const http = proxyUrl('HTTP_PROXY', read('HTTP_PROXY'));
  const entries = (read('NO_PROXY') ?? '').split(/[\s,]+/).filter(Boolean);
  if ((!https && !http) || entries.includes('*')) return null;
  const noProxy: OutboundProxy['noProxy'] = [];
  const noProxyIps: NoProxyIp[] = [];
  for (const entry of entries) {
    const read = noProxyEntry(entry);
    if ('address' in read) noProxyIps.push(read);
    else noProxy.push(read);
  }
  ipMatcher(noProxyIps); // what node:net cannot take stops start-up here, not at the first call
  return { https, http, noProxy, noProxyIps };
}

/** One NO_PROXY entry: a name or an address with a port, or an IP range or address. */
function noProxyEntry(entry: string): OutboundProxy['noProxy'][number] | NoProxyIp {
  const slash = entry.lastIndexOf('/');
  if (slash >= 0) {
    const address = entry.slice(0, slash).replace(/^\[(.*)\]$/, '$1');
    const bits = entry.slice(slash + 1);
    const family = isIP(address);
    const canonical = family ? canonicalIp(address, family) : null;
    if (!canonical || !/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128))
      throw new LanyardError(
        'CONFIG_INVALID',
        `NO_PROXY has "${entry.slice(0, 100)}", which is not an IP range. Fix: write a range as 10.0.0.0/8 or fd00::/8 (an IP address, then after the / how many of its leading bits the range shares: at most 32 for IPv4, 128 for IPv6), or remove it.`,
        { key: 'NO_PROXY' },
      );
    return { address: canonical, prefix: Number(bits), family: family === 4 ? 'ipv4' : 'ipv6' };
  }
  // `host:port`, `[v6]:port`; a bare IPv6 address has colons but no port.
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(entry);
  const host = (m ? m[1]! : entry)
    .replace(/^\*?\./, '')
    .replace(/^\[|\]$/g, '')
    .toLowerCase();
  const port = m?.[2] ? Number(m[2]) : null;
  const family = isIP(host);
  const canonical = family ? canonicalIp(host, family) : null;
  if (canonical && port === null) return { address: canonical, prefix: null, family: family === 4 ? 'ipv4' : 'ipv6' };
  return { host: canonical ?? host, port };
}

/** An IP address as URL.hostname writes it (IPv6 compressed, lower case; without brackets), or null. */
function canonicalIp(address: string, family: number): string | null {
  try {
    return new URL(`http://${family === 6 ? `[${address}]` : address}/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

/** NO_PROXY's IP ranges and addresses as one matcher. */
function ipMatcher(ips: NoProxyIp[]): BlockList {
  const list = new BlockList();
  for (const ip of ips) {
    try {
      if (ip.prefix === null) list.addAddress(ip.address, ip.family);
      else list.addSubnet(ip.address, ip.prefix, ip.family);
    } catch {
      throw new LanyardError(
        'CONFIG_INVALID',
        `NO_PROXY has "${ip.address}", which is not an IP address. Fix: write a range as 10.0.0.0/8 or fd00::/8, an address as 10.1.2.3 or fd00::1, or remove it.`,
        { key: 'NO_PROXY' },
      );
    }
  }
  return list;
}

function proxyUrl(name: string, value: string | null): string | null {
  if (value === null) return null;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    /* reported below */
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname)
    throw new LanyardError(
      'CONFIG_INVALID',
      `${name} must be a proxy URL, got "${value}". Fix: write it as http://proxy.example.org:3128 (user:password@ before the host if the proxy asks for them), or unset it.`,
      { key: name },
    );
  return url.href;
}

/** The proxy's address for logs: without its credentials. */
export function proxyForLog(proxy: string): string {
  const url = new URL(proxy);
  url.username = '';
  url.password = '';
  return url.origin;
}

let current: { proxy: OutboundProxy; agents: Map<string, ProxyAgent>; ips: BlockList } | null = null;

/**
 * Makes every outgoing call of this process follow `proxy` (null: all direct). Called once at
 * start-up with the configuration's settings; one process serves one Lanyard.
 */
export function routeOutbound(proxy: OutboundProxy | null): void {
  const old = current;
  current = proxy && { proxy, agents: new Map(), ips: ipMatcher(proxy.noProxyIps) };
  if (old) for (const agent of old.agents.values()) void agent.close();
}

/** The proxy agent a request to `url` goes through, or null when it goes direct. */
export function proxyAgentFor(url: URL): Dispatcher | null {
  if (!current) return null;
  const { proxy, agents, ips } = current;
  const via = url.protocol === 'https:' ? proxy.https : url.protocol === 'http:' ? proxy.http : null;
  if (!via || bypassed(url, proxy, ips)) return null;
  const key = `${url.protocol}${via}`;
  let agent = agents.get(key);
  if (!agent) {
    // Plain http is sent to the proxy as an absolute-URI request, as curl does: proxies commonly
    // allow CONNECT to port 443 only. https is tunnelled through CONNECT.
    agent = new ProxyAgent({ uri: via, proxyTunnel: url.protocol === 'https:' });
    agents.set(key, agent);
  }
  return agent;
}

function bypassed(url: URL, proxy: OutboundProxy, ips: BlockList): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(host)) return true;
  // A destination written as an IP address (URL.hostname has it in canonical form): the ranges.
  const family = isIP(host);
  if (family && ips.check(host, family === 4 ? 'ipv4' : 'ipv6')) return true;
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  // A name matches itself and its subdomains; an IP address only itself (as curl: `0.1` is no
  // domain of 10.0.0.1).
  return proxy.noProxy.some(
    (entry) =>
      (entry.port === null || entry.port === port) &&
      (host === entry.host || (!family && host.endsWith(`.${entry.host}`))),
  );
}

/**
 * What a proxy's own refusal of a plain-http request becomes: 407 (the proxy wants credentials) is
 * the one answer no origin server sends (RFC 9110 §15.5.8), so it is the proxy's, and is an outage
 * as a refused CONNECT is. Any other answer is the provider's as far as Lanyard can tell.
 */
export function proxyFailure(status: number): TypeError | null {
  return status === 407
    ? new TypeError('fetch failed', { cause: new Error('the proxy asked for credentials (HTTP 407)') })
    : null;
}

/**
 * The global `fetch`, through the proxy when one applies to the URL. Without a proxy it is the
 * global `fetch` itself; with one, undici's (the same implementation, from the package), which
 * takes the proxy agent as its dispatcher.
 */
export async function outboundFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const agent = proxyAgentFor(new URL(input));
  if (!agent) return fetch(input, init);
  const res = (await undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as Response;
  const failure = proxyFailure(res.status);
  if (failure) {
    await res.body?.cancel();
    throw failure;
  }
  return res;
}
