import type { IncomingMessage } from 'node:http';
import Provider, { type Configuration, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Lanyard } from '../lanyard.js';
import { clientSecretMatches } from '../stores/oidc-clients.js';
import { revokeSession } from '../stores/sessions.js';
import { OidcPayloadAdapter } from '../stores/oidc-payloads.js';
import { findAccount, scopeClaims } from './claims.js';
import { loadProviderKeys } from './keys.js';
import { interactionPath, OIDC_PATH } from './paths.js';

/** A request as the Fastify mount hands it to the provider: with who is signed in to Lanyard there. */
export type SignedInRequest = IncomingMessage & { lanyardAuth?: { accountId: string; sessionId: string } };

/**
 * oidc-provider's own prompts, plus one rule: its session (a cookie of its own) holds only while
 * the browser is signed in to Lanyard as the same account. Signing out of Lanyard, or signing in
 * as someone else, sends the next authorization request through Lanyard's sign-in again.
 */
function policy() {
  const prompts = interactionPolicy.base();
  prompts.get('login')!.checks.push(
    new interactionPolicy.Check('lanyard_session', 'the Lanyard sign-in ended', (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      const signedIn = (ctx.req as SignedInRequest).lanyardAuth?.accountId;
      return accountId && signedIn !== accountId
        ? interactionPolicy.Check.REQUEST_PROMPT
        : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  return prompts;
}

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
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid), policy: policy() },
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
  // A repository's sign-out (RP-initiated logout) that the person confirms ends Lanyard's session
  // in that browser too: signing out of the repository through Lanyard signs out of Lanyard. The
  // session ends before the provider's answer leaves (Koa writes it after the middleware returns).
  const endsLanyard = new WeakSet<object>();
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    if (ctx.oidc.params?.logout) endsLanyard.add(ctx);
  });
  provider.use(async (ctx, next) => {
    await next();
    const signedIn = (ctx.req as SignedInRequest).lanyardAuth;
    if (signedIn && endsLanyard.has(ctx)) await revokeSession(db, signedIn.sessionId, clock.now());
  });
  provider.on('server_error', (_ctx, err) => lanyard.log.error({ err }, 'openid provider error'));
  return provider;
}
