import * as oidc from 'openid-client';
import type { OidcEntry } from '../../config/schema.js';
import { LanyardError } from '../../errors.js';
import { labelIn } from '../labels.js';
import { readCallback } from '../oauth/callback.js';
import type { Provider } from '../provider.js';
import type { ProviderContext } from '../registry.js';
import { Discovery } from './discovery.js';
import { classifyOidcError } from './errors.js';
import { mergeClaims, profileOf } from './profile.js';
import { oidcView } from './view.js';

/**
 * Any OpenID Connect identity provider: discovery from `issuer`, the authorization code flow with
 * PKCE (S256), `state` and `nonce` always, the ID token checked (issuer, audience, expiry, nonce,
 * and its signature against the IdP's JWKS), userinfo merged when the IdP has one, and the claims
 * mapped per entry. The subject is the IdP's `sub`; the identity's issuer keeps the two apart.
 */
export function createOidcProvider(entry: OidcEntry, ctx: ProviderContext): Provider {
  const label = entry.label.en;
  const callbackPath = `/auth/${entry.id}/callback`;
  const redirectUri = `${ctx.publicUrl}${callbackPath}`;
  const discovery = new Discovery(entry, label);
  const configuration = async () => {
    try {
      return await discovery.get();
    } catch (e) {
      throw classifyOidcError(e, label);
    }
  };

  return {
    id: entry.id,
    type: 'oidc',
    policy: { trustEmail: entry.trustEmail },
    redirectUri,
    callbackPaths: [callbackPath],
    startAliases: [],
    formOrigins: [new URL(entry.issuer).origin],
    demo: false,
    label: (locale) => labelIn(entry.label, locale),
    identityName: (locale) => labelIn(entry.label, locale),
    async start(flow) {
      const config = await configuration();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: entry.scopes.join(' '),
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        // A proof of a mailed link's identity asks for a fresh sign-in: this browser may still be
        // signed in at the IdP as somebody else.
        ...(flow.proves ? { prompt: 'login' } : {}),
      });
      return { url: url.href, flow: { ...flow, codeVerifier } };
    },
    async finish(callback) {
      const flow = readCallback(callback, label, entry.issuer);
      if (!flow.codeVerifier)
        throw new LanyardError('OAUTH_STATE_INVALID', 'The sign-in flow lacks its PKCE verifier.');
      const config = await configuration();
      // The callback URL is rebuilt from the public base: the IdP compares redirect_uri exactly.
      const current = new URL(`${redirectUri}?${callback.query.toString()}`);
      try {
        const tokens = await oidc.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: flow.codeVerifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims) throw new LanyardError('OIDC_ID_TOKEN_INVALID', `${label} sent no ID token.`, { provider: label });
        // userinfo's `sub` must be the ID token's (openid-client checks it: OIDC Core 5.3.2).
        const userinfo = config.serverMetadata().userinfo_endpoint
          ? await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)
          : {};
        // The IdP's tokens are not kept: Lanyard only needed them to learn who signed in.
        return profileOf(entry, mergeClaims(entry, claims, userinfo), null);
      } catch (e) {
        throw classifyOidcError(e, label);
      }
    },
    // Nothing of the IdP's is kept (no tokens), so there is nothing to revoke.
    unlink: () => Promise.resolve(null),
    describe: () => [
      `Register this redirect URI at ${label} (the client's allowed redirect URIs), exactly as written:`,
      `  ${redirectUri}`,
      `Issuer: ${entry.issuer} (discovery: ${entry.issuer.replace(/\/$/, '')}/.well-known/openid-configuration)`,
    ],
    view: oidcView(entry),
  };
}
