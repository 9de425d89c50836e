/**
 * True for this machine's loopback names: `localhost`, 127.x.x.x and `::1` (bracketed or not, as
 * URL.hostname gives it), in any case. Plain http is allowed only to these (OIDC issuers, SAML
 * metadata), and outgoing calls to them never go through a proxy.
 */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
