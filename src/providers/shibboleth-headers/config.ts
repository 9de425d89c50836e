import type { EntryReader } from '../../config/providers.js';
import type { ShibbolethHeadersEntry } from '../../config/schema.js';
import { defaultHeaderNames, type HeaderNames } from './headers.js';
import { isLoopback } from '../../lib/loopback.js';
import { proxyList } from './trust.js';

const keys = [
  'trustedProxies',
  'secret',
  'secretHeader',
  'idps',
  'trustEmailFrom',
  'spEntityId',
  'headers',
  'loginHandler',
];
/** Where the Shibboleth SP starts a sign-in (its default handlerURL and SessionInitiator location). */
export const defaultLoginHandler = '/Shibboleth.sso/Login';
/** The header the proxy adds with the shared secret, unless the entry names another. */
export const defaultSecretHeader = 'X-Lanyard-Proxy-Secret';
const headerName = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
const scopeSyntax = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/**
 * Reads a `shibboleth-headers` entry: Lanyard behind Apache + mod_shib, which did the SAML part and
 * passes the attributes as request headers on the entry's callback route. Every refusal names the
 * entry, the key and the fix.
 */
export const readShibbolethHeadersEntry: EntryReader = (entry, ctx) => {
  const unknown = Object.keys(entry).find((k) => !keys.includes(k));
  if (unknown)
    throw ctx.fix(unknown, 'is not a shibboleth-headers setting', `use only ${keys.join(', ')} and the shared keys`);

  const rawProxies = entry.trustedProxies;
  const proxies = typeof rawProxies === 'string' ? rawProxies.split(/[\s,]+/).filter(Boolean) : rawProxies;
  if (!Array.isArray(proxies) || !proxies.length || proxies.some((p) => typeof p !== 'string'))
    throw ctx.fix(
      'trustedProxies',
      `must list the addresses of the Apache servers running mod_shib, got ${JSON.stringify(rawProxies)}`,
      'e.g. ["127.0.0.1"] when Apache runs on this machine, or ["10.0.0.5", "10.0.1.0/24"]',
    );
  const invalid = proxyList(proxies as string[]).invalid;
  if (invalid.length)
    throw ctx.fix(
      'trustedProxies',
      `holds something that is not an IP address or CIDR range: ${JSON.stringify(invalid[0])}`,
      'write addresses such as "10.0.0.5" or ranges such as "10.0.1.0/24" (no host names)',
    );

  const secret = entry.secret;
  if (typeof secret !== 'string' || secret.length < 32 || /[^\x21-\x7e]/.test(secret))
    throw ctx.fix(
      'secret',
      'must be at least 32 printable characters without spaces (the proxy sends it with every request)',
      'make one with `openssl rand -base64 32` and put the same value in Apache\'s "RequestHeader set" line',
    );

  const secretHeader = entry.secretHeader ?? defaultSecretHeader;
  if (typeof secretHeader !== 'string' || !headerName.test(secretHeader))
    throw ctx.fix('secretHeader', `must be a header name, got ${JSON.stringify(secretHeader)}`, 'leave it out');

  const rawNames = entry.headers ?? {};
  if (typeof rawNames !== 'object' || rawNames === null || Array.isArray(rawNames))
    throw ctx.fix(
      'headers',
      'must be an object',
      `map some of ${Object.keys(defaultHeaderNames).join(', ')} to header names`,
    );
  const headers: HeaderNames = { ...defaultHeaderNames };
  for (const [key, value] of Object.entries(rawNames)) {
    if (!(key in defaultHeaderNames))
      throw ctx.fix(
        `headers.${key}`,
        'is not an attribute Lanyard reads',
        `use ${Object.keys(defaultHeaderNames).join(', ')}`,
      );
    if (typeof value !== 'string' || !headerName.test(value))
      throw ctx.fix(
        `headers.${key}`,
        `must be a header name, got ${JSON.stringify(value)}`,
        'use the id from attribute-map.xml',
      );
    headers[key as keyof HeaderNames] = value;
  }
  const names = Object.values(headers).map((n) => n.toLowerCase());
  if (new Set(names).size !== names.length || names.includes(secretHeader.toLowerCase()))
    throw ctx.fix('headers', 'names one header twice', 'give every attribute its own header, and the secret another');

  const rawIdps = entry.idps;
  if (typeof rawIdps !== 'object' || rawIdps === null || Array.isArray(rawIdps) || !Object.keys(rawIdps).length)
    throw ctx.fix(
      'idps',
      'must name the IdPs accepted here, each with the scopes it may assert',
      'e.g. { "https://idp.uni.example/idp/shibboleth": { "scopes": ["uni.example"] } }',
    );
  const idps: ShibbolethHeadersEntry['idps'] = {};
  for (const [entityId, value] of Object.entries(rawIdps as Record<string, unknown>)) {
    const scopes = (value as { scopes?: unknown } | null)?.scopes;
    const extra = value && typeof value === 'object' ? Object.keys(value).filter((k) => k !== 'scopes') : [];
    if (
      !entityId.trim() ||
      /\s/.test(entityId) ||
      !Array.isArray(scopes) ||
      extra.length ||
      scopes.some((s) => typeof s !== 'string' || !scopeSyntax.test(s.toLowerCase()))
    )
      throw ctx.fix(
        `idps.${entityId}`,
        `must be { "scopes": [ domains ] } (the IdP's shibmd:Scope values), got ${JSON.stringify(value)}`,
        "copy the IdP's entityID and its <shibmd:Scope> values from its metadata",
      );
    idps[entityId] = { scopes: (scopes as string[]).map((s) => s.toLowerCase()) };
  }

  const rawTrust = entry.trustEmailFrom ?? [];
  if (!Array.isArray(rawTrust) || rawTrust.some((e) => typeof e !== 'string' || !(e in idps)))
    throw ctx.fix(
      'trustEmailFrom',
      `must list entityIDs from "idps", got ${JSON.stringify(rawTrust)}`,
      'name the IdPs whose released emails you trust, or leave it out',
    );
  let trustEmailFrom = rawTrust as string[];
  if (ctx.base.trustEmail && !trustEmailFrom.length) {
    if (Object.keys(idps).length > 1)
      throw ctx.fix(
        'trustEmail',
        'is on for several IdPs without saying whose emails to trust',
        'list the IdPs whose emails you trust in "trustEmailFrom" (their entityIDs), or set trustEmail to false',
      );
    trustEmailFrom = Object.keys(idps);
  }

  const spEntityId = entry.spEntityId;
  if (spEntityId !== undefined && (typeof spEntityId !== 'string' || !spEntityId.trim()))
    throw ctx.fix('spEntityId', 'must be the entityID of the Shibboleth SP in front', 'copy it from shibboleth2.xml');

  const loginHandler = entry.loginHandler === undefined ? defaultLoginHandler : entry.loginHandler;
  if (loginHandler !== null && loginHandler !== '' && !isHandlerUrl(loginHandler))
    throw ctx.fix(
      'loginHandler',
      `must be the path of the SP's session initiator (or its https URL), got ${JSON.stringify(loginHandler)}`,
      `leave it out for ${defaultLoginHandler}, or set it to null when the SP has no session initiator to send proofs to`,
    );

  return {
    ...ctx.base,
    type: 'shibboleth-headers',
    trustedProxies: proxies as string[],
    secret,
    secretHeader,
    headers,
    idps,
    trustEmailFrom: ctx.base.trustEmail ? trustEmailFrom : [],
    spEntityId: (spEntityId as string | undefined) ?? null,
    loginHandler: loginHandler || null,
  };
};

/**
 * A path on this host (`/Shibboleth.sso/Login`) or an https URL (http only on loopback) without
 * credentials or fragment: the flow's state travels in its `target`.
 */
function isHandlerUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2000) return false;
  if (value.startsWith('/')) return !value.startsWith('//') && !/[\s#\\]/.test(value);
  try {
    const url = new URL(value);
    const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
    return secure && !url.username && !url.password && !url.hash;
  } catch {
    return false;
  }
}
