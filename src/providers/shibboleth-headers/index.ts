import type { ShibbolethHeadersEntry } from '../../config/schema.js';
import { LanyardError } from '../../errors.js';
import { html } from '../../lib/html.js';
import { labelButtons, labelIn } from '../labels.js';
import type { Provider } from '../provider.js';
import type { ProviderContext } from '../registry.js';
import { splitIdentitySubject } from '../saml/subject.js';
import { profileFromHeaders } from './profile.js';
import { fromTrustedProxy, proxyList } from './trust.js';

/**
 * Lanyard behind Apache + mod_shib (how DSpace deploys Shibboleth): Apache protects the entry's
 * callback route, runs the SAML exchange with the IdP, and passes the attributes as request
 * headers together with a shared secret. Those headers are believed only from a trusted proxy
 * address carrying that secret; everything after that is the SAML provider's attribute rules.
 * See docs/shibboleth.md for the Apache side.
 */
export function createShibbolethHeadersProvider(entry: ShibbolethHeadersEntry, ctx: ProviderContext): Provider {
  const callbackPath = `/auth/${entry.id}/callback`;
  const redirectUri = `${ctx.publicUrl}${callbackPath}`;
  const proxies = proxyList(entry.trustedProxies);
  const name = (locale: 'en' | 'de') => labelIn(entry.label, locale);

  return {
    id: entry.id,
    type: 'shibboleth-headers',
    policy: { trustEmail: entry.trustEmail },
    redirectUri,
    callbackPaths: [callbackPath],
    startAliases: [],
    formOrigins: [],
    demo: false,
    label: name,
    identityName: name,
    // mod_shib guards the callback: reaching it starts the SAML exchange, and it comes back with the
    // same URL. A proof asks the SP's session initiator for a fresh sign-in at the IdP (forceAuthn)
    // first: the browser may hold an SP session as somebody else, who would otherwise be refused
    // with no way to switch.
    start: (flow) => {
      const callback = `${redirectUri}?state=${encodeURIComponent(flow.state)}`;
      if (!flow.proves || !entry.loginHandler) return Promise.resolve({ url: callback, flow });
      const url = new URL(entry.loginHandler, ctx.publicUrl);
      url.searchParams.set('target', callback);
      url.searchParams.set('forceAuthn', 'true');
      return Promise.resolve({ url: url.href, flow });
    },
    finish(callback) {
      if (!fromTrustedProxy(callback.request, proxies, entry.secretHeader, entry.secret)) {
        callback.request.log.warn(
          { provider: entry.id, peer: callback.request.remoteAddress },
          'Shibboleth headers from an untrusted peer or without the proxy secret: refused',
        );
        throw new LanyardError(
          'SHIBBOLETH_HEADERS_UNTRUSTED',
          'This sign-in did not come through the institution’s sign-in service.',
        );
      }
      callback.flow();
      return Promise.resolve(profileFromHeaders(entry, callback.request));
    },
    unlink: () => Promise.resolve(null),
    describe: () => [
      `Protect ${callbackPath} with mod_shib in Apache (AuthType shibboleth, ShibRequestSession On,`,
      `ShibUseHeaders On) and add the header ${entry.secretHeader} with the entry's secret there (docs/shibboleth.md).`,
      `Trusted proxies: ${entry.trustedProxies.join(', ')}. IdPs: ${Object.keys(entry.idps).join(', ')}`,
      entry.loginHandler
        ? `Proofs of a mailed link start at ${new URL(entry.loginHandler, ctx.publicUrl).href} with forceAuthn (the SP's session initiator).`
        : 'Proofs of a mailed link go straight to the callback (loginHandler is null): the SP session in the browser counts.',
    ],
    view: {
      ...labelButtons(entry.label),
      identity: (subject, _issuer, locale) => {
        const parts = splitIdentitySubject(subject);
        return html`<span class="provider-id">${name(locale)}: <code>${parts?.value ?? subject}</code></span>`;
      },
      identifier: (subject, issuer) => {
        const parts = splitIdentitySubject(subject);
        return parts ? `${parts.value} (${issuer ?? parts.idp})` : subject;
      },
    },
  };
}
