import { type Dispatcher, ProxyAgent, fetch as undiciFetch } from 'undici';
import { LanyardError } from '../errors.js';
import { isLoopback } from './loopback.js';

/**
 * The forward proxy Lanyard's outgoing HTTP calls go through, from the variables every HTTP tool
 * reads (curl, Go, Python's requests): `HTTPS_PROXY` for https URLs, `HTTP_PROXY` for http URLs
 * (each in lower case too, which wins when both are set), and `NO_PROXY` for the hosts reached
 * directly. Loopback hosts are always reached directly: no proxy can reach this machine's loopback.
 */
export interface OutboundProxy {
  https: string | null;
  http: string | null;
  /** NO_PROXY's entries: `host`, `.domain` or `*.domain` (the domain and its subdomains), each with an optional `:port`. */
  noProxy: { host: string; port: number | null }[];
}

type Env = Record<string, string | undefined>;

/** The proxy settings of `env`, or null when none applies (no proxy set, or `NO_PROXY=*`). */
export function readOutboundProxy(env: Env): OutboundProxy | null {
  const read = (name: string) => env[name.toLowerCase()] || env[name] || null;
  const https = proxyUrl('HTTPS_PROXY', read('HTTPS_PROXY'));
  const http = proxyUrl('HTTP_PROXY', read('HTTP_PROXY'));
  const entries = (read('NO_PROXY') ?? '').split(/[\s,]+/).filter(Boolean);
  if ((!https && !http) || entries.includes('*')) return null;
  const noProxy = entries.map((entry) => {
    // `host:port`, `[v6]:port`; a bare IPv6 address has colons but no port.
    const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(entry);
    const host = (m ? m[1]! : entry)
      .replace(/^\*?\./, '')
      .replace(/^\[|\]$/g, '')
      .toLowerCase();
    return { host, port: m?.[2] ? Number(m[2]) : null };
  });
  return { https, http, noProxy };
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

let current: { proxy: OutboundProxy; agents: Map<string, ProxyAgent> } | null = null;

/**
 * Makes every outgoing call of this process follow `proxy` (null: all direct). Called once at
 * start-up with the configuration's settings; one process serves one Lanyard.
 */
export function routeOutbound(proxy: OutboundProxy | null): void {
  const old = current;
  current = proxy && { proxy, agents: new Map() };
  if (old) for (const agent of old.agents.values()) void agent.close();
}

/** The proxy agent a request to `url` goes through, or null when it goes direct. */
export function proxyAgentFor(url: URL): Dispatcher | null {
  if (!current) return null;
  const { proxy, agents } = current;
  const via = url.protocol === 'https:' ? proxy.https : url.protocol === 'http:' ? proxy.http : null;
  if (!via || bypassed(url, proxy)) return null;
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

function bypassed(url: URL, proxy: OutboundProxy): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(host)) return true;
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  return proxy.noProxy.some(
    (entry) => (entry.port === null || entry.port === port) && (host === entry.host || host.endsWith(`.${entry.host}`)),
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
