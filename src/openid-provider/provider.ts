import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Lanyard } from '../lanyard.js';
import { clientSecretMatches } from '../stores/oidc-clients.js';
import { OidcPayloadAdapter } from '../stores/oidc-payloads.js';
import { findAccount, scopeClaims } from './claims.js';
import { loadProviderKeys } from './keys.js';
import { interactionPath, OIDC_PATH } from './paths.js';

const escape = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Lanyard as an OpenID provider for repositories (DSpace, Invenio, Dataverse, OJS): the
 * authorization code flow with PKCE (required for public clients), refresh tokens rotated at every
 * use, userinfo, revocation, RP-initiated logout. Clients are registered only by the operator
 * (`npx lanyard clients add`); there is no dynamic registration.
 */
export async function createOpenIdProvider(lanyard: Lanyard): Promise<Provider> {
  const { db, clock, config } = lanyard;
  const keys = await loadProviderKeys(db, config.secretKeys);
  const configuration: Configuration = {
    adapter: (model: string) => new OidcPayloadAdapter(db, clock, model),
    findAccount: findAccount(db),
    jwks: keys.jwks,
    cookies: { keys: keys.cookieKeys },
    claims: Object.fromEntries(Object.entries(scopeClaims).map(([scope, claims]) => [scope, [...claims]])),
    scopes: ['openid', 'offline_access', 'email', 'profile', 'orcid'],
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid) },
    // Repositories ask for `openid profile email` and still expect to refresh (DSpace, Invenio):
    // a client registered for refresh tokens gets one without `offline_access`.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Every refresh returns a new refresh token; replaying the old one revokes the grant.
    rotateRefreshToken: true,
    // A browser on a client's own origin may call the token and userinfo endpoints; no one else.
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((u) => new URL(u).origin === origin) ?? false,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 86400,
      Grant: 30 * 86400,
      RefreshToken: 30 * 86400,
    },
    renderError: async (ctx: KoaContextWithOIDC, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in request refused</title></head>
<body><main><h1>This sign-in request was refused</h1>
<p>The application that sent you here made a request Lanyard cannot answer. Go back to it and try again.</p>
<p><code>${escape(out.error)}</code>${out.error_description ? `: ${escape(out.error_description)}` : ''}</p></main></body></html>`;
    },
  };
  const provider = new Provider(`${config.publicUrl}${OIDC_PATH}`, configuration);
  // Koa knows only on/off: with any trusted proxy, endpoint URLs follow its X-Forwarded-Proto/Host.
  provider.proxy = config.trustProxy !== false;
  // Secrets are stored as their SHA-256 (src/stores/oidc-clients.ts), so compare hashes.
  provider.Client.prototype.compareClientSecret = function (this: { clientSecret?: string }, actual: string) {
    return clientSecretMatches(this.clientSecret, actual);
  };
  provider.on('server_error', (_ctx, err) => lanyard.log.error({ err }, 'openid provider error'));
  return provider;
}
