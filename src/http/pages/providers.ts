import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { brokerSignIn } from '../../broker/execute.js';
import { proveRegistration } from '../../broker/registrations.js';
import type { Registration } from '../../db/schema.js';
import { replaceOrcidTokens } from '../../accounts/orcid-access.js';
import type { ExternalProfile } from '../../providers/profile.js';
import { isLanyardError, LanyardError } from '../../errors.js';
import type { Lanyard } from '../../lanyard.js';
import type { Provider, ProviderEndpoint, StartRequest } from '../../providers/provider.js';
import { type OAuthFlow, checkState, decodeFlow, encodeFlow, newFlow } from '../../providers/oauth/state.js';
import type { Route } from '../app.js';
import { requireAuth, sessionContext, setSessionCookie } from '../auth.js';
import { clearCookie, cookieNames, setCookie } from '../cookies.js';
import { routeLimits } from '../guards.js';
import { bindBrowser, browserHashOf } from '../browser-binding.js';
import { fromOriginBrowser } from '../../stores/registrations.js';
import { safeRedirect } from '../redirects.js';
import type { StatusOverrides } from '../status-overrides.js';
import { html } from '../../lib/html.js';
import { sendPage } from '../views/layout.js';
import { linkButton, signingInFor } from '../views/components.js';
import { clientOfReturnTo } from '../../openid-provider/interaction-client.js';
import { extensionsOf } from '../extensions.js';
import { setFlash } from '../flash.js';
import { linkBase, returnsToUi } from '../ui-links.js';
import { CsrfField } from '../csrf.js';

/** DSpace's callback answers 401 when its provider is off or no code came (docs/design.md, DSpace §4.1): so do all callbacks. */
export const callbackStatuses: StatusOverrides = { PROVIDER_NOT_CONFIGURED: 401, OAUTH_CALLBACK_EMPTY: 401 };

/**
 * Starts a sign-in with `provider`: the flow (state, nonce, PKCE verifier, where to return) goes
 * into a signed cookie bound to this browser, and the browser to the provider. Shared by the pages
 * and the REST API's `GET /api/authn/{id}/start` (which answers 302, as DSpace's start location does).
 */
export async function startSignIn(
  lanyard: Lanyard,
  reply: FastifyReply,
  provider: Provider,
  input: Omit<Parameters<typeof newFlow>[0], 'provider'>,
  status: 302 | 303 = 303,
  request?: StartRequest,
) {
  const { config } = lanyard;
  const { url, flow } = await provider.start(
    newFlow({ ...input, provider: provider.id }, lanyard.clock.now()),
    request ?? { query: new URLSearchParams(), sessionId: input.sessionId },
  );
  setCookie(reply, config, cookieNames(config).oauth, encodeFlow(flow, config), 600);
  if (reply.request.method === 'POST' && !provider.formOrigins.includes(new URL(url, config.publicUrl).origin))
    return onwardPage(lanyard, reply, provider, url);
  return reply.redirect(url, status);
}

/**
 * The way on after one of Lanyard's forms (linking from the account page, "Sign in to continue"
 * on a mailed link's page) to a provider whose sign-in may lead anywhere: a SAML IdP of a
 * federation, a Shibboleth SP's session initiator or guarded callback, which send the browser on
 * to an IdP. Browsers check every redirect after a form against the form page's CSP
 * (`form-action 'self'` and the providers' `formOrigins`) and would stop there; a page that moves
 * on by itself (Refresh, and a link for whoever has it switched off) starts a new navigation.
 */
function onwardPage(lanyard: Lanyard, reply: FastifyReply, provider: Provider, url: string) {
  const request = reply.request;
  const { t } = request;
  const name = provider.label(request.locale);
  reply.header('refresh', `0;url=${url}`);
  return sendPage(lanyard, request, reply, {
    title: t('onward.title', { provider: name }),
    main: html`<p>${t('onward.text', { provider: name })}</p>
      ${linkButton(url, t('onward.button', { provider: name }), { block: true })}`,
  });
}

/**
 * The routes every provider shares: `GET /auth/{id}` (and the provider's own `startAliases`) starts
 * a sign-in, `POST /profile/link/{id}` links from the account page, and the callback at
 * `/auth/{id}/callback` (and the provider's own `callbackPaths`) runs the broker.
 * Also the providers' parts of the shared pages: their buttons and how their identities look.
 */
export const providerRoutes: Route = (app, lanyard) => {
  const { config, providers } = lanyard;
  const limits = routeLimits(config);

  // Paths an outside contract fixes for a provider type that is not configured here.
  for (const { path } of providers.unconfiguredPaths().filter((p) => p.kind === 'callback'))
    app.get(path, { config: { statusOverrides: callbackStatuses } }, () => {
      throw new LanyardError('PROVIDER_NOT_CONFIGURED', 'Sign-in with this provider is not set up here.');
    });
  if (!providers.list.length) return;

  const assets = new Map(providers.list.flatMap((p) => p.view.assets ?? []).map((a) => [a.path, a]));
  for (const asset of assets.values())
    app.get(asset.path, (_req, reply) =>
      reply.type(asset.type).header('cache-control', 'public, max-age=86400').send(asset.body),
    );

  const ext = extensionsOf(app);
  ext.login.push(({ returnTo, t, locale, except, signedIn }) => {
    const offered = providers.list.filter((p) => p.id !== except);
    return offered.length
      ? html`${offered.map((p) =>
          p.view.signInButton(`/auth/${p.id}?returnTo=${encodeURIComponent(returnTo)}`, t, locale, signedIn),
        )}
          <p class="or">${t('login.or')}</p>`
      : html``;
  });
  for (const p of providers.list)
    ext.identityViews[p.id] = (identity, _t, locale) => p.view.identity(identity.subject, identity.issuer, locale);
  ext.profile.push(
    ({ identities, t, csrf, locale }) =>
      html`${providers.list
        .filter((p) => !identities.some((i) => i.provider === p.id))
        .map(
          (p) => html`<form method="post" action="/profile/link/${p.id}">${csrf}${p.view.linkButton(t, locale)}</form>`,
        )}`,
  );

  const startQuery = {
    querystring: Type.Object({
      returnTo: Type.Optional(Type.String({ maxLength: 2000 })),
      // SAML: which IdP of the entry (an entityID).
      idp: Type.Optional(Type.String({ maxLength: 1000 })),
    }),
  };
  for (const provider of providers.list) {
    for (const path of [`/auth/${provider.id}`, ...provider.startAliases])
      app.get(path, { schema: startQuery }, (request, reply) =>
        startSignIn(
          lanyard,
          reply,
          provider,
          { returnTo: safeRedirect(request.query.returnTo, config), intent: 'sign_in', sessionId: null },
          303,
          { query: queryOf(request), sessionId: request.auth?.session.id ?? null },
        ).catch((e: unknown) => {
          throw namedBy(e, provider);
        }),
      );

    for (const endpoint of provider.endpoints ?? []) mountEndpoint(lanyard, app, provider, endpoint, limits.signIn);

    // Linking adds a way into the account: like adding a password, it needs a recent sign-in.
    app.post(
      `/profile/link/${provider.id}`,
      {
        schema: { body: Type.Object({ _csrf: CsrfField }) },
        config: { guards: ['csrf', 'freshSignIn'] },
      },
      (request, reply) => {
        const { session } = requireAuth(request);
        return startSignIn(lanyard, reply, provider, {
          returnTo: '/profile',
          intent: 'link',
          sessionId: session.id,
        }).catch((e: unknown) => {
          throw namedBy(e, provider);
        });
      },
    );

    const callbackPaths = [...new Set([...provider.callbackPaths, `/auth/${provider.id}/callback`])];
    for (const path of callbackPaths)
      app.get(path, { config: { ...limits.signIn, statusOverrides: callbackStatuses } }, (request, reply) =>
        callback(lanyard, provider, request, reply).catch((e: unknown) => {
          throw namedBy(e, provider);
        }),
      );
  }
};

const queryOf = (request: FastifyRequest) => new URLSearchParams(request.url.split('?')[1] ?? '');

/**
 * A provider's own endpoint at `/auth/{id}/{path}` (SAML: its metadata, the ACS). A redirect may
 * bring a new flow (an unsolicited SAML response the entry allows), which goes into the flow cookie.
 */
function mountEndpoint(
  lanyard: Lanyard,
  app: Parameters<Route>[0],
  provider: Provider,
  endpoint: ProviderEndpoint,
  limit: object,
) {
  const { config } = lanyard;
  const path = `/auth/${provider.id}/${endpoint.path}`;
  const prefix = config.secureCookies ? '__Host-' : '';
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const body =
      typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
    const answer = await endpoint.handle({
      query: queryOf(request),
      body,
      sessionId: request.auth?.session.id ?? null,
      locale: request.locale,
      t: request.t,
      cookie: (name) => request.cookies[`${prefix}${name}`],
    });
    if (answer.kind === 'document') return reply.code(answer.status).type(answer.type).send(answer.body);
    if (answer.kind === 'page') {
      // Only such a page lets https images in; every other page keeps images to Lanyard's own.
      const csp = reply.getHeader('content-security-policy');
      if (answer.externalImages && typeof csp === 'string')
        reply.header('content-security-policy', csp.replace("img-src 'self' data:", "img-src 'self' data: https:"));
      const client = answer.returnTo ? await clientOfReturnTo(lanyard.db, answer.returnTo) : undefined;
      return sendPage(lanyard, request, reply, {
        title: answer.title,
        main: html`${client ? signingInFor(request.t, client) : ''}${answer.main}`,
      });
    }
    if (answer.flow) setCookie(reply, config, cookieNames(config).oauth, encodeFlow(answer.flow, config), 600);
    for (const c of answer.cookies ?? []) setCookie(reply, config, `${prefix}${c.name}`, c.value, c.maxAgeSeconds);
    return reply.redirect(answer.location, 303);
  };
  const named = (request: FastifyRequest, reply: FastifyReply) =>
    handler(request, reply).catch((e: unknown) => {
      throw namedBy(e, provider);
    });
  if (endpoint.method === 'GET') app.get(path, named);
  else app.post(path, { bodyLimit: endpoint.bodyLimit ?? 64 * 1024, config: limit }, named);
}

/**
 * A provider names itself in its refusals by its English label (`details.provider`); `providerId`
 * beside it lets a page (src/http/errors.ts) and an API client name it in their own language.
 */
function namedBy(e: unknown, provider: Provider): unknown {
  if (!isLanyardError(e) || typeof e.details?.provider !== 'string' || e.details.providerId !== undefined) return e;
  return new LanyardError(
    e.code,
    e.message,
    { ...e.details, provider: provider.label('en'), providerId: provider.id },
    { cause: e.cause, status: e.status },
  );
}

/**
 * The callback of a "grant access" authorization from the ORCID console: only the session that
 * started it may finish it, and the tokens replace the stored ones for the same iD only.
 */
async function consentCallback(
  lanyard: Lanyard,
  request: FastifyRequest,
  reply: FastifyReply,
  flow: OAuthFlow,
  profile: ExternalProfile,
) {
  if (!request.auth || request.auth.session.id !== flow.sessionId)
    throw new LanyardError('OAUTH_STATE_INVALID', 'This authorization was started by another session. Start again.');
  await replaceOrcidTokens(lanyard, request.auth.account, profile, request.ip);
  setFlash(reply, lanyard.config, { kind: 'success', key: 'flash.orcidGranted' });
  return reply.redirect(flow.returnTo, 303);
}

/**
 * A mailed link opened in a browser other than the sign-in's asks the person to sign in with the
 * link's provider here (docs/security.md, "A mailed link needs the identity too"). Starts that
 * sign-in (where there is nothing to prove, goes straight back to the link's page), naming the
 * registration and the page to return to in the signed flow. An entry with several IdPs goes
 * straight to the one that authenticated the first time (the start's `idp`, its issuer).
 */
export async function startProof(
  lanyard: Lanyard,
  request: FastifyRequest,
  reply: FastifyReply,
  reg: Registration,
  back: string,
) {
  // Nothing to prove: a link sent straight from a sign-in, or a browser that already has.
  if (!reg.mailed || fromOriginBrowser(reg, browserHashOf(lanyard, request))) return reply.redirect(back, 303);
  const provider = lanyard.providers.get(reg.provider);
  if (!provider) throw new LanyardError('PROVIDER_NOT_CONFIGURED', 'Sign-in with this provider is not set up here.');
  const query = new URLSearchParams(reg.profile.issuer ? { idp: reg.profile.issuer } : {});
  return startSignIn(
    lanyard,
    reply,
    provider,
    { returnTo: back, intent: 'sign_in', sessionId: null, proves: { registration: reg.id, back } },
    303,
    { query, sessionId: null },
  ).catch((e: unknown) => {
    throw namedBy(e, provider);
  });
}

/**
 * The callback of a proof sign-in: the same identity as the mailed link's → the link works in this
 * browser now, back to its page; anyone else → IDENTITY_PROOF_MISMATCH, nothing changed. Nobody is
 * signed in here: the link's own page finishes (creating or linking the account, and signing in).
 */
async function proofCallback(
  lanyard: Lanyard,
  provider: Provider,
  request: FastifyRequest,
  reply: FastifyReply,
  proves: NonNullable<OAuthFlow['proves']>,
  profile: ExternalProfile,
) {
  await proveRegistration(lanyard, proves.registration, profile, bindBrowser(lanyard, request, reply), request.ip);
  setFlash(reply, lanyard.config, {
    kind: 'success',
    key: 'flash.proved',
    params: { provider: provider.label(request.locale) },
  });
  return reply.redirect(proves.back, 303);
}

/**
 * The redirect URI: the provider checks the answer against this browser's flow and returns who
 * signed in; the broker decides; the browser goes where the outcome says. The flow cookie is
 * cleared once the answer's state matched it (whatever happens next), so a callback can never be
 * replayed with it; an answer that is not this flow's — a stale tab's, or one a page elsewhere
 * sent the browser to — leaves the sign-in under way alone. An unreadable or expired one is cleared.
 * An answer refused before its state is read (a provider's `error=`) leaves the cookie to expire.
 */
async function callback(lanyard: Lanyard, provider: Provider, request: FastifyRequest, reply: FastifyReply) {
  const { config } = lanyard;
  const query = queryOf(request);
  const flowCookie = request.cookies[cookieNames(config).oauth];
  const clear = () => clearCookie(reply, config, cookieNames(config).oauth);
  let flow: OAuthFlow | undefined;
  const profile = await provider.finish({
    query,
    request: {
      headers: request.headers,
      rawHeaders: request.raw.rawHeaders,
      remoteAddress: request.socket.remoteAddress,
      log: request.log,
    },
    flow: () => {
      if (!flow) {
        let current: OAuthFlow;
        try {
          current = decodeFlow(flowCookie, config, lanyard.clock.now());
        } catch (e) {
          if (flowCookie !== undefined) clear();
          throw e;
        }
        checkState(current, query.get('state'), provider.id);
        clear();
        flow = current;
      }
      return flow;
    },
  });
  if (!flow) throw new LanyardError('OAUTH_STATE_INVALID', 'The sign-in response was not checked. Start again.');
  if (flow.intent === 'consent') return consentCallback(lanyard, request, reply, flow, profile);
  if (flow.proves) return proofCallback(lanyard, provider, request, reply, flow.proves, profile);
  const linking = flow.intent === 'link' && request.auth !== null && request.auth.session.id === flow.sessionId;
  const outcome = await brokerSignIn(lanyard, profile, {
    intent: linking ? 'link' : 'sign_in',
    returnTo: flow.returnTo,
    browserHash: bindBrowser(lanyard, request, reply),
    session: { ...sessionContext(request), signedInAccountId: linking ? request.auth!.account.id : null },
  });
  const identity = provider.identityName(request.locale);
  switch (outcome.kind) {
    case 'session':
      setSessionCookie(lanyard, reply, outcome.cookie);
      if (outcome.autoLinked)
        setFlash(reply, config, {
          kind: 'success',
          key: 'flash.autoLinked',
          params: { identity, provider: provider.label(request.locale), email: outcome.autoLinked.email },
        });
      return reply.redirect(outcome.redirect, 303);
    case 'linked':
      setFlash(reply, config, { kind: 'success', key: 'flash.linked', params: { provider: identity } });
      return reply.redirect('/profile', 303);
    case 'registration':
      // A sign-in the UI started continues on its /external-login/{token} (docs/design.md, DSpace §3.1).
      return reply.redirect(
        returnsToUi(config, flow.returnTo) ? `${linkBase(config, true)}${outcome.redirect}` : outcome.redirect,
        303,
      );
    case 'refused':
      throw outcome.error;
  }
}
