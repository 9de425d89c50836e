import Provider, {
  type Configuration,
  type ErrorOut,
  errors,
  interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { Lanyard } from '../lanyard.js';
import { translator } from '../i18n/index.js';
import { standalonePage } from '../http/views/layout.js';
import { html, raw } from '../lib/html.js';
import { clientAuthMethods, clientSecretMatches, type OidcClient } from '../stores/oidc-clients.js';
import { recordAudit } from '../stores/audit.js';
import { signOutSession } from '../stores/sessions.js';
import { endRequestWrites, OidcPayloadAdapter } from '../stores/oidc-payloads.js';
import { findAccount, scopeClaims } from './claims.js';
import { ID_TOKEN_TTL, type ProviderKeys, publishedKeys } from './keys.js';
import { loadPairwiseSalt, pairwiseSubject } from './pairwise.js';
import { interactionPath, OIDC_PATH } from './paths.js';
import { MFA_ACR, meetsAcrValues, type SignedInRequest, tooOld } from './signed-in.js';

/** oidc-provider's introspection endpoint, below the issuer. */
const INTROSPECTION_PATH = '/token/introspection';

const isResourceServer = (client: unknown) => (client as OidcClient).lanyard_resource_server === true;

/** The language and sign-in state the Fastify mount handed to the provider with the request. */
function viewOf(ctx: KoaContextWithOIDC) {
  const req = ctx.req as SignedInRequest;
  const locale = req.lanyardLocale ?? 'en';
  return { locale, t: translator(locale), signedIn: req.lanyardAuth !== undefined };
}

/**
 * oidc-provider's own prompts, plus one rule: its session (a cookie of its own) holds only while
 * the browser is signed in to Lanyard as the same account. Signing out of Lanyard, or signing in
 * as someone else, sends the next authorization request through Lanyard's sign-in again.
 */
function policy(now: () => Date) {
  const prompts = interactionPolicy.base();
  prompts.get('login')!.checks.push(
    // With prompt=none the client hears login_required, as for the provider's own login checks.
    new interactionPolicy.Check('lanyard_session', 'the Lanyard sign-in ended', 'login_required', (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      const signedIn = (ctx.req as SignedInRequest).lanyardAuth?.accountId;
      return accountId && signedIn !== accountId
        ? interactionPolicy.Check.REQUEST_PROMPT
        : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
    // max_age measured against Lanyard's own sign-in (the provider's session only mirrors it).
    new interactionPolicy.Check(
      'lanyard_max_age',
      'the Lanyard sign-in is older than max_age',
      'login_required',
      (ctx) => {
        const signedIn = (ctx.req as SignedInRequest).lanyardAuth;
        return signedIn && !ctx.oidc.result?.login && tooOld(ctx.oidc.params?.max_age, signedIn.authenticatedAt, now())
          ? interactionPolicy.Check.REQUEST_PROMPT
          : interactionPolicy.Check.NO_NEED_TO_PROMPT;
      },
    ),
    // acr_values the provider's session does not meet: Lanyard's sign-in page decides (it refuses
    // what the person's sign-in cannot meet), never a code that passes over them.
    // With prompt=none the client hears why: unmet_authentication_requirements, not login_required.
    new interactionPolicy.Check(
      'lanyard_acr',
      'the sign-in does not meet any of the requested acr_values',
      'unmet_authentication_requirements',
      (ctx) =>
        !ctx.oidc.result?.login && !meetsAcrValues(ctx.oidc.params?.acr_values, ctx.oidc.session?.acr)
          ? interactionPolicy.Check.REQUEST_PROMPT
          : interactionPolicy.Check.NO_NEED_TO_PROMPT,
    ),
  );
  return prompts;
}

/**
 * The keys a DPoP proof (RFC 9449) may be signed with, here and at Lanyard's own resource, the ORCID
 * API (src/http/api/dpop.ts): one list, so a token the provider binds is one the API can take.
 */
export const DPOP_ALGORITHMS = ['ES256', 'Ed25519', 'EdDSA'] as const;

/**
 * Lanyard as an OpenID provider for repositories (DSpace, Invenio, Dataverse, OJS): the
 * authorization code flow with PKCE (required for public clients), refresh tokens rotated at every
 * use, userinfo, revocation, RP-initiated logout. Clients are registered only by the operator
 * (`npx lanyard clients add`); there is no dynamic registration. Built with the keys published at
 * `now`; src/openid-provider/current.ts builds it again when they change.
 */
export function createOpenIdProvider(lanyard: Lanyard, keys: ProviderKeys, now: Date): Provider {
  const { db, clock, config } = lanyard;
  // The provider's own pages in Lanyard's layout and language (the locale the Fastify mount found).
  const renderError = async (ctx: KoaContextWithOIDC, out: ErrorOut) => {
    const { locale, t, signedIn } = viewOf(ctx);
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = standalonePage(lanyard, locale, signedIn, {
      title: t('oidc.error.title'),
      main: html`<p>${t('oidc.error.text')}</p>
          <p>
            ${t('oidc.error.reason')} <code>${String(out.error)}</code>${
              out.error_description ? html` — ${String(out.error_description)}` : ''
            }
          </p>`,
    });
  };
  /** Answers a refused request as the provider's endpoints do (JSON, or its page for a browser). */
  const refuse = async (ctx: KoaContextWithOIDC, err: errors.OIDCProviderError) => {
    const out: ErrorOut = { error: err.message, error_description: err.error_description };
    // The answer it replaces may have been a redirect (the authorization endpoint's, with a code
    // that was never stored): a refusal sends the browser nowhere.
    ctx.remove('location');
    ctx.remove('refresh');
    ctx.status = err.statusCode;
    if (ctx.accepts('json', 'html') === 'html') await renderError(ctx, out);
    else ctx.body = out;
  };
  const configuration: Configuration = {
    adapter: (model: string) => new OidcPayloadAdapter(db, clock, model),
    findAccount: findAccount(db, config),
    jwks: { keys: publishedKeys(keys, now) },
    cookies: { keys: keys.cookieKeys },
    claims: Object.fromEntries(Object.entries(scopeClaims).map(([scope, claims]) => [scope, [...claims]])),
    // `orcid.works`: the repository may use /api/orcid/… for the person (src/http/api/orcid-caller.ts).
    scopes: ['openid', 'offline_access', 'email', 'profile', 'orcid', 'eduperson_scoped_affiliation', 'orcid.works'],
    // `public` (the account id) unless the client was registered with `--subject-type pairwise`.
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: async (_ctx, accountId, client) =>
      pairwiseSubject(await loadPairwiseSalt(db, config.secretKeys), String(client.sectorIdentifier), accountId),
    responseTypes: ['code'],
    enabledJWA: { dPoPSigningAlgValues: DPOP_ALGORITHMS },
    // Discovery's acr_values_supported: the one class a sign-in can earn (src/openid-provider/signed-in.ts).
    acrValues: [MFA_ACR],
    // Only what a client can be registered with (discovery lists these). Not the JWT methods: the
    // stored secret is a SHA-256, which client_secret_jwt would take as its key.
    clientAuthMethods: [...clientAuthMethods],
    // Lanyard's own client settings (src/stores/oidc-clients.ts), set only by the CLI.
    extraClientMetadata: { properties: ['lanyard_pkce', 'lanyard_first_party', 'lanyard_resource_server'] },
    // Public clients always need PKCE; a confidential one when registered with `--pkce required`.
    pkce: {
      required: (_ctx, client) =>
        client.clientAuthMethod === 'none' || (client as unknown as OidcClient).lanyard_pkce === 'required',
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      // Only resource servers introspect (`clients add --resource-server`; the rest is refused
      // below, whatever the token): any client's access tokens, and their own refresh tokens.
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) =>
          isResourceServer(client) && (token.kind === 'AccessToken' || token.clientId === client.clientId),
      },
      rpInitiatedLogout: {
        enabled: true,
        // `form` is the provider's own hidden form (its anti-forgery token); the buttons submit it.
        logoutSource: async (ctx, form) => {
          const { locale, t, signedIn } = viewOf(ctx);
          const client = ctx.oidc.client?.clientName;
          ctx.set('cache-control', 'no-store');
          ctx.body = standalonePage(lanyard, locale, signedIn, {
            title: t('oidc.logout.title'),
            main: html`<p>${client ? t('oidc.logout.text', { client }) : t('oidc.logout.textAnonymous')}</p>
              ${raw(form)}
              <div class="actions">
                <button type="submit" form="op.logoutForm" name="logout" value="yes">${t('oidc.logout.yes')}</button>
                <button class="secondary" type="submit" form="op.logoutForm">${t('oidc.logout.no')}</button>
              </div>`,
          });
        },
        postLogoutSuccessSource: async (ctx) => {
          const { locale, t } = viewOf(ctx);
          ctx.set('cache-control', 'no-store');
          ctx.body = standalonePage(lanyard, locale, false, {
            title: t('oidc.loggedOut.title'),
            main: html`<p>${t('oidc.loggedOut.text')}</p>`,
          });
        },
      },
    },
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid), policy: policy(() => clock.now()) },
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
      IdToken: ID_TOKEN_TTL,
      Interaction: 3600,
      Session: 14 * 86400,
      Grant: 30 * 86400,
      RefreshToken: 30 * 86400,
    },
    renderError,
  };
  const provider = new Provider(`${config.publicUrl}${OIDC_PATH}`, configuration);
  // Endpoint URLs, cookies' Secure flag and the DPoP proofs' htu follow X-Forwarded-Proto/Host,
  // which Lanyard's handler sets from LANYARD_PUBLIC_URL on every request (src/openid-provider/
  // routes.ts), never a client's: Koa's proxy setting is on or off, not a list of trusted peers.
  provider.proxy = true;
  // Secrets are stored as their SHA-256 (src/stores/oidc-clients.ts), so compare hashes.
  provider.Client.prototype.compareClientSecret = function (this: { clientSecret?: string }, actual: string) {
    return clientSecretMatches(this.clientSecret, actual);
  };
  // What a request saved is written by then (src/stores/oidc-payloads.ts defers the provider's
  // saves within a request to write them together): before Koa sends the answer. Outermost, so
  // the saves of every other step (the provider's session, after its endpoint) come first.
  // A code, refresh token or pushed authorization request used at the same moment elsewhere is
  // found used only then (its `consume` is written with what was issued for it): the answer
  // becomes the provider's refusal.
  provider.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      await endRequestWrites(db).catch(() => undefined);
      throw err;
    }
    try {
      await endRequestWrites(db);
    } catch (err) {
      if (!(err instanceof errors.InvalidGrant || err instanceof errors.InvalidRequestUri)) throw err;
      await refuse(ctx as KoaContextWithOIDC, err);
      provider.emit(err instanceof errors.InvalidGrant ? 'grant.error' : 'authorization.error', ctx, err);
    }
  });
  // A repository's sign-out (RP-initiated logout) that the person confirms ends Lanyard's session
  // in that browser too: signing out of the repository through Lanyard signs out of Lanyard. The
  // session ends before the provider's answer leaves (Koa writes it after the middleware returns),
  // audited as the person's own `sign_out` with the repository that asked (when it named itself).
  // "Stay signed in" ends only the named client's grant: audited as the person's own withdrawal of
  // that client's access (`consent_withdrawn`), as on /profile. ("Sign me out of Lanyard" ends
  // every client's grant with the session, and is audited as that `sign_out`.)
  const endsLanyard = new WeakMap<object, string | undefined>();
  const withdraws = new WeakMap<object, { accountId: string; client?: string; clientName?: string }>();
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    if (ctx.oidc.params?.logout) endsLanyard.set(ctx, ctx.oidc.client?.clientId);
  });
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC) => {
    const accountId = ctx.oidc.session?.accountId;
    if (ctx.oidc.route === 'end_session_confirm' && !ctx.oidc.params?.logout && accountId)
      withdraws.set(ctx, { accountId, client: ctx.oidc.client?.clientId, clientName: ctx.oidc.client?.clientName });
  });
  provider.use(async (ctx, next) => {
    await next();
    const req = ctx.req as SignedInRequest;
    const withdrawn = withdraws.get(ctx);
    if (withdrawn) {
      const { accountId, ...client } = withdrawn;
      const detail = { ...client, via: 'rp_initiated_logout' };
      const event = { action: 'consent_withdrawn', accountId, actorAccountId: accountId, detail } as const;
      await recordAudit(db, { ...event, ip: req.lanyardIp ?? null }, clock.now());
    }
    if (!req.lanyardAuth || !endsLanyard.has(ctx)) return;
    const client = endsLanyard.get(ctx);
    const detail = { ...(client ? { client } : {}), via: 'rp_initiated_logout' };
    await signOutSession(db, { sessionId: req.lanyardAuth.sessionId, ip: req.lanyardIp ?? null, detail }, clock.now());
  });
  // A client not registered as a resource server learns nothing at the introspection endpoint: the
  // same refusal whether the token exists or not (no oracle). It comes after the provider
  // authenticated the client, so a missing or wrong secret stays `invalid_client`.
  provider.use(async (ctx, next) => {
    await next();
    const client = (ctx as Partial<KoaContextWithOIDC>).oidc?.client;
    if (ctx.path === INTROSPECTION_PATH && ctx.status === 200 && client && !isResourceServer(client)) {
      ctx.status = 400;
      ctx.body = {
        error: 'unauthorized_client',
        error_description:
          'only clients registered as resource servers (npx lanyard clients add --resource-server) may introspect tokens',
      };
    }
  });
  provider.on('server_error', (_ctx, err) => lanyard.log.error({ err }, 'openid provider error'));
  return provider;
}
