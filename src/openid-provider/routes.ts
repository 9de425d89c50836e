import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { LanyardError } from '../errors.js';
import type { Route } from '../http/app.js';
import { Type } from 'typebox';
import { isFreshAuth, readSession, signOut } from '../http/auth.js';
import { cookieNames } from '../http/cookies.js';
import { sendError } from '../http/errors.js';
import { CsrfField } from '../http/csrf.js';
import { setFlash } from '../http/flash.js';
import { routeLimits } from '../http/guards.js';
import { button, linkButton } from '../http/views/components.js';
import { csrfField, sendPage } from '../http/views/layout.js';
import { findOidcClient } from '../stores/oidc-clients.js';
import { sessionCookieParts, sessionOfJson, touchSession } from '../stores/sessions.js';
import { type RequestRows, withRequestReads } from '../stores/oidc-payloads.js';
import { html } from '../lib/html.js';
import type { Lanyard } from '../lanyard.js';
import { type ConsentScope, consentScopes, ORCID_WORKS_SCOPE } from './claims.js';
import { grantRequested } from './grant.js';
import { interactionPath, isServerEndpointVariant, OIDC_PATH, serverEndpoints } from './paths.js';
import { CurrentProvider } from './current.js';
import { acrOf, meetsAcrValues, type SignedInRequest, tooOld } from './signed-in.js';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * When a stored interaction began, on Lanyard's clock (the one sessions are stamped with): its row
 * expires its lifetime (`exp - iat`) after it was saved.
 */
async function interactionStart(lanyard: Lanyard, uid: string) {
  if (!/^[\w-]{1,100}$/.test(uid)) return undefined;
  const row = await lanyard.db
    .selectFrom('oidc_payload')
    .select(['payload', 'expires_at'])
    .where('model', '=', 'Interaction')
    .where('id', '=', uid)
    .executeTakeFirst();
  const stored = row?.payload as { params?: Record<string, unknown>; iat?: number; exp?: number } | undefined;
  if (!row?.expires_at || !stored?.params || typeof stored.iat !== 'number' || typeof stored.exp !== 'number')
    return undefined;
  return { params: stored.params, startedAt: row.expires_at.getTime() / 1000 - (stored.exp - stored.iat) };
}

/**
 * Whether Lanyard's sign-in is recent enough for the request: after the request was made when it
 * says `prompt=login`, within `max_age` seconds when it says so.
 */
async function freshEnough(lanyard: Lanyard, details: Details, authenticatedAt: Date): Promise<boolean> {
  const at = authenticatedAt.getTime() / 1000;
  const { reasons } = details.prompt;
  if (reasons.includes('login_prompt')) {
    const started = (await interactionStart(lanyard, details.uid))?.startedAt;
    if (started === undefined || at < started) return false;
  }
  return !tooOld(details.params.max_age, authenticatedAt, lanyard.clock.now());
}

/**
 * The authorization request behind a stored interaction, to be sent again: same client, redirect
 * URI, scope, state, nonce and PKCE challenge, so the client accepts the answer. `prompt=login`
 * becomes a `max_age` reaching back to the original request: a sign-in since then counts.
 */
async function restartUrl(lanyard: Lanyard, uid: string): Promise<string | undefined> {
  const stored = await interactionStart(lanyard, uid);
  if (!stored) return undefined;
  const { params } = stored;
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'string' && key !== 'prompt' && key !== 'max_age') query.set(key, value);
  }
  const prompts = String(params.prompt ?? '')
    .split(' ')
    .filter(Boolean);
  const since = Math.max(0, Math.ceil(lanyard.clock.now().getTime() / 1000 - stored.startedAt));
  const asked = params.max_age === undefined ? NaN : Number(params.max_age);
  const maxAge = prompts.includes('login') ? Math.min(since, Number.isFinite(asked) ? asked : since) : asked;
  const rest = prompts.filter((p) => p !== 'login');
  if (rest.length) query.set('prompt', rest.join(' '));
  if (Number.isFinite(maxAge)) query.set('max_age', String(maxAge));
  return `${OIDC_PATH}/auth?${query}`;
}

/** oidc-provider's session cookie (its default name). */
const PROVIDER_SESSION_COOKIE = '_session';

/**
 * What a provider request is about, from its URL and headers alone (the provider reads the body
 * itself): the client it names (`client_id` in the query, or HTTP Basic client authentication),
 * the provider session its cookie names, the access token it presents as Bearer. Read with the
 * keys' version before the provider runs; a guess that is wrong only costs the provider its own
 * read, since each row goes only to a lookup for exactly it (src/stores/oidc-payloads.ts).
 */
function requestRows(request: FastifyRequest): RequestRows {
  const want: RequestRows = {};
  const query = request.query as Record<string, unknown> | undefined;
  if (typeof query?.client_id === 'string' && query.client_id.length <= 200) want.clientId = query.client_id;
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Basic ')) {
    const user = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':')[0]!;
    try {
      if (user && user.length <= 600) want.clientId = decodeURIComponent(user.replace(/\+/g, '%20'));
    } catch {
      // not URL-encoded: the provider refuses it; nothing to read ahead
    }
  } else if (authorization?.startsWith('Bearer ')) {
    const token = authorization.slice(7).trim();
    if (token && token.length <= 200) want.token = { model: 'AccessToken', id: token };
  }
  const session = request.cookies?.[PROVIDER_SESSION_COOKIE];
  if (session && session.length <= 200) want.sessionId = session;
  if (Buffer.isBuffer(request.body)) {
    const form = new URLSearchParams(request.body.toString('utf8'));
    const grant = form.get('grant_type');
    const token =
      grant === 'authorization_code' ? form.get('code') : grant === 'refresh_token' ? form.get('refresh_token') : null;
    if (token && token.length <= 200)
      want.token = { model: grant === 'authorization_code' ? 'AuthorizationCode' : 'RefreshToken', id: token };
    const clientId = form.get('client_id');
    if (want.clientId === undefined && clientId && clientId.length <= 200) want.clientId = clientId;
  }
  return want;
}

/** Provider requests whose handler read Lanyard's session with the provider's rows. */
const sessionRead = new WeakSet<FastifyRequest>();

/** oidc-provider's own limit on a request body. */
const FORM_LIMIT = 56 * 1024;

/** A form POSTed to the token endpoint itself (not a variant of its path, which is refused). */
function isTokenRequest(request: FastifyRequest): boolean {
  return (
    request.method === 'POST' &&
    request.url === `${OIDC_PATH}/token` &&
    /^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.headers['content-type'] ?? '')
  );
}

/** The body, `length` bytes as its Content-Length says (more or fewer: the provider's error). */
async function readExactly(payload: NodeJS.ReadableStream, length: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of payload) {
    received += (chunk as Buffer).length;
    if (received > length)
      throw Object.assign(new Error('request size did not match content length'), { statusCode: 400 });
    chunks.push(chunk as Buffer);
  }
  if (received !== length)
    throw Object.assign(new Error('request size did not match content length'), { statusCode: 400 });
  return Buffer.concat(chunks, received);
}

/**
 * The request as the provider reads it, with the body already read replayed to it: the provider
 * reads a body from the request stream (`readable`, `iterator()`); everything else is the request.
 */
function withBody(raw: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = Readable.from([body]);
  return new Proxy(raw, {
    get(target, prop) {
      if (prop === 'readable') return replay.readable;
      if (prop === 'readableEncoding') return null;
      if (prop === 'iterator') return replay.iterator.bind(replay);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(target, prop, value) {
      return Reflect.set(target, prop, value, target);
    },
  });
}

/**
 * Mounts the OpenID provider at /oidc and Lanyard's side of its sign-in: /interaction/:uid.
 * oidc-provider reads its own request bodies, so /oidc gets a scope whose parser leaves them unread.
 */
export const openIdProviderRoutes: Route = async (app, lanyard) => {
  const publicUrl = new URL(lanyard.config.publicUrl);
  /**
   * The request as the provider is to see it: at LANYARD_PUBLIC_URL whatever it says (a client's
   * X-Forwarded-Host would otherwise name the endpoints of a discovery document a cache keeps, and
   * the URL a DPoP proof must be made for), from the peer Lanyard saw (trusted proxies applied).
   */
  const asProviderSees = (request: FastifyRequest): IncomingMessage => {
    const raw = request.raw;
    raw.headers['x-forwarded-host'] = publicUrl.host;
    raw.headers['x-forwarded-proto'] = publicUrl.protocol.slice(0, -1);
    raw.headers['x-forwarded-for'] = request.ip;
    return raw;
  };
  // Rebuilt when the signing keys change (src/openid-provider/current.ts): ask it per request.
  const current = new CurrentProvider(lanyard);
  await current.get();

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // The token endpoint's form is read here (and handed to the provider as it came): the code or
    // refresh token in it is read with the keys' version, before the provider runs.
    scope.addContentTypeParser('*', (request, payload, done) => {
      const length = Number(request.headers['content-length']);
      if (!isTokenRequest(request) || !Number.isSafeInteger(length) || length > FORM_LIMIT)
        return done(null, undefined);
      readExactly(payload, length).then(
        (body) => done(null, body),
        (err: Error) => done(err),
      );
    });
    // Lanyard's session of the browser is read with the provider's rows (`readsSession`): a
    // request refused before that reads it on its own, for the error page.
    scope.setErrorHandler(async (error, request, reply) => {
      if (!sessionRead.has(request)) await readSession(lanyard, request).catch(() => (request.auth = null));
      return sendError(lanyard, request, reply, error);
    });
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      if (isServerEndpointVariant(request.url)) throw new LanyardError('NOT_FOUND', 'Not found.');
      const want = requestRows(request);
      const cookie = sessionCookieParts(request.cookies[cookieNames(lanyard.config).session]);
      if (cookie) want.lanyardSessionId = cookie.id;
      const { callback, reads, lanyardSession } = await current.forRequest(want);
      // What `validateSession` would have answered, from the same row; the session noted as used.
      const now = lanyard.clock.now();
      request.auth = cookie ? sessionOfJson(lanyardSession, cookie, now) : null;
      if (request.auth) await touchSession(lanyard.db, request.auth.session, now);
      // The provider session this request saves is noted with it: signing that device out ends it.
      reads.signedIn = request.auth
        ? { accountId: request.auth.account.id, sessionId: request.auth.session.id }
        : undefined;
      sessionRead.add(request);
      reply.hijack();
      // As a mounted Koa app sees it: its own path in `url`, the full one in `originalUrl` (the
      // provider derives its endpoint URLs from the difference).
      const raw = request.raw as IncomingMessage & { originalUrl?: string };
      raw.originalUrl = raw.url;
      // Who is signed in to Lanyard in this browser: the provider's session holds only while this
      // does (src/openid-provider/provider.ts, the `lanyard_session` check).
      (raw as SignedInRequest).lanyardAuth = request.auth
        ? {
            accountId: request.auth.account.id,
            sessionId: request.auth.session.id,
            authenticatedAt: request.auth.session.authenticated_at,
          }
        : undefined;
      (raw as SignedInRequest).lanyardLocale = request.locale;
      (raw as SignedInRequest).lanyardIp = request.ip;
      raw.url = raw.url!.slice(OIDC_PATH.length) || '/';
      asProviderSees(request);
      // Its pages (sign-out, errors, form_post) are not to be framed, as none of Lanyard's are.
      reply.raw.setHeader('x-frame-options', 'DENY');
      reply.raw.setHeader('content-security-policy', "frame-ancestors 'none'");
      const req = Buffer.isBuffer(request.body) ? withBody(raw, request.body) : raw;
      await withRequestReads(reads, () => callback(req, reply.raw));
    };
    const readsSession = { readsSession: true };
    scope.all(OIDC_PATH, { config: readsSession }, handler);
    scope.all(`${OIDC_PATH}/*`, { config: readsSession }, handler);
    // The endpoints servers call (not browsers), each with its own per-address budget.
    for (const path of serverEndpoints)
      scope.all(path, { config: { ...readsSession, ...routeLimits(lanyard.config).openIdProvider } }, handler);
  });

  app.get<{ Params: { uid: string } }>('/interaction/:uid', async (request, reply) => {
    const provider = await current.get();
    const details = await provider.interactionDetails(asProviderSees(request), reply.raw).catch(() => undefined);
    if (!details || details.uid !== request.params.uid) {
      // A first sign-in that went through a mailed link may come back in another tab, another
      // browser or after the interaction expired: the same authorization request starts afresh
      // (never a dead end). Only an interaction no longer stored at all is refused.
      const restart = await restartUrl(lanyard, request.params.uid);
      if (restart) return reply.redirect(restart, 303);
      throw new LanyardError('OIDC_INTERACTION_EXPIRED', 'The sign-in request expired or belongs to another browser.');
    }
    const signIn = `/login?returnTo=${encodeURIComponent(interactionPath(details.uid))}`;
    // Not signed in (or the account was disabled since): Lanyard's own sign-in page, with every
    // provider, comes back here when done.
    if (!request.auth) return reply.redirect(signIn, 303);
    const { account, session } = request.auth;
    // prompt=login asks for a sign-in after the request was made; max_age for one at most that old.
    if (!(await freshEnough(lanyard, details, session.authenticated_at))) return reply.redirect(signIn, 303);
    const amr = session.amr.split(' ').filter(Boolean);
    const acr = acrOf(amr);
    // acr_values the sign-in does not meet (a repository asking for multi-factor of a password
    // sign-in, or for a class Lanyard never vouches for) are refused to the client, as OpenID
    // Connect's Unmet Authentication Requirements names it, rather than answered with a sign-in it
    // did not ask for.
    if (!meetsAcrValues(details.params.acr_values, acr)) {
      const result = {
        error: 'unmet_authentication_requirements',
        error_description: 'the sign-in does not meet any of the requested acr_values',
      };
      return answer(
        request,
        reply,
        await provider.interactionResult(asProviderSees(request), reply.raw, result, fresh),
      );
    }
    const login = {
      accountId: account.id,
      amr,
      ...(acr ? { acr } : {}),
      // The provider counts in its own clock (the system's); Lanyard's may be moved (tests): hand
      // over the sign-in's age, not its instant.
      ts: Math.floor((Date.now() - (lanyard.clock.now().getTime() - session.authenticated_at.getTime())) / 1000),
    };
    // The provider still holds an earlier person's session in this browser (they signed out of
    // Lanyard, someone else signed in): it ends here, quietly, rather than through the provider's
    // own sign-out form.
    const previous = details.session;
    if (previous?.accountId && previous.accountId !== account.id) await forgetProviderSession(provider, details);
    if (details.prompt.name !== 'consent' || details.session?.accountId !== account.id) {
      return answer(
        request,
        reply,
        await provider.interactionResult(asProviderSees(request), reply.raw, { login }, fresh),
      );
    }
    const client = await findOidcClient(lanyard.db, String(details.params.client_id));
    // A client the operator marked as needing consent asks the person once per grant; and any client
    // asks before it may act on the person's ORCID record (`orcid.works`): the operator's trust in a
    // repository to sign people in is not the researcher's leave to write to their record.
    const scopes = String(details.params.scope ?? '').split(' ');
    if (client && (client.lanyard_first_party === false || scopes.includes(ORCID_WORKS_SCOPE))) {
      if (needsFreshSignIn(request, details)) return reply.redirect(signInAgain(details.uid), 303);
      // A client registered for refresh tokens gets one whether it asks `offline_access` or not
      // (provider.ts): the person is told, as if it had asked.
      const refreshes = client.grant_types.includes('refresh_token');
      return consentPage(request, reply, details, client.client_name, account.email, refreshes);
    }
    const grantId = await grantRequested(lanyard, provider, details, {
      accountId: account.id,
      ip: request.ip,
      asked: false,
    });
    const result = { consent: { grantId } };
    return answer(request, reply, await provider.interactionResult(asProviderSees(request), reply.raw, result, fresh));
  });

  const InteractionParams = Type.Object({ uid: Type.String({ maxLength: 100 }) });
  const ConsentBody = Type.Object({
    _csrf: CsrfField,
    decision: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
  });
  app.post(
    '/interaction/:uid/consent',
    { schema: { params: InteractionParams, body: ConsentBody }, config: { guards: ['csrf'] } },
    async (request, reply) => {
      const provider = await current.get();
      const details = await provider.interactionDetails(asProviderSees(request), reply.raw).catch(() => undefined);
      if (!details || details.uid !== request.params.uid || details.prompt.name !== 'consent') {
        throw new LanyardError(
          'OIDC_INTERACTION_EXPIRED',
          'The sign-in request expired or belongs to another browser.',
        );
      }
      // Only the person the provider's session signed in may answer for their account.
      const accountId = request.auth?.account.id;
      if (!accountId || details.session?.accountId !== accountId)
        throw new LanyardError('AUTH_REQUIRED', 'Sign in first.');
      if (request.body.decision === 'allow' && needsFreshSignIn(request, details))
        return reply.redirect(signInAgain(details.uid), 303);
      const by = { accountId, ip: request.ip, asked: true };
      const result: InteractionResults =
        request.body.decision === 'allow'
          ? { consent: { grantId: await grantRequested(lanyard, provider, details, by) } }
          : { error: 'access_denied', error_description: 'The person did not allow the sign-in.' };
      return answer(
        request,
        reply,
        await provider.interactionResult(asProviderSees(request), reply.raw, result, fresh),
      );
    },
  );

  /**
   * "Not you? Use another account" on the consent page: signs the person out of Lanyard (and ends
   * the provider's session for them) and sends the browser to sign in again for the same
   * authorization request, so someone else can answer it. A form post with the CSRF field, like
   * every other sign-out.
   */
  app.post(
    '/interaction/:uid/another-account',
    {
      schema: { params: InteractionParams, body: Type.Object({ _csrf: CsrfField }) },
      config: { guards: ['csrf'] },
    },
    async (request, reply) => {
      const provider = await current.get();
      const details = await provider.interactionDetails(asProviderSees(request), reply.raw).catch(() => undefined);
      if (!details || details.uid !== request.params.uid)
        throw new LanyardError(
          'OIDC_INTERACTION_EXPIRED',
          'The sign-in request expired or belongs to another browser.',
        );
      await forgetProviderSession(provider, details);
      await signOut(lanyard, request, reply);
      setFlash(reply, lanyard.config, { kind: 'info', key: 'flash.signedOut' });
      return reply.redirect(`/login?returnTo=${encodeURIComponent(interactionPath(details.uid))}`, 303);
    },
  );

  /**
   * Leave to act on the person's ORCID record (`orcid.works`) is a way into it that outlives the
   * session: like adding a way into the account, it needs a sign-in within `LANYARD_REAUTH_SECONDS`,
   * not a session someone may have found left open.
   */
  const needsFreshSignIn = (request: FastifyRequest, details: Details) => {
    const missing = (details.prompt.details as { missingOIDCScope?: unknown }).missingOIDCScope;
    const asked = Array.isArray(missing) ? missing : String(details.params.scope ?? '').split(' ');
    return asked.includes(ORCID_WORKS_SCOPE) && !isFreshAuth(lanyard, request);
  };
  const signInAgain = (uid: string) => `/login?reauth=1&returnTo=${encodeURIComponent(interactionPath(uid))}`;

  /**
   * Ends the provider's session of the person an interaction was started for and detaches it from
   * the interaction, so the next person to sign in answers it as themselves.
   */
  const forgetProviderSession = async (provider: Provider, details: Details) => {
    const cookie = details.session?.cookie;
    if (cookie) await (await provider.Session.find(cookie))?.destroy();
    const interaction = await provider.Interaction.find(details.uid);
    if (interaction) {
      interaction.session = undefined;
      await interaction.save(interaction.exp! - Math.floor(Date.now() / 1000));
    }
  };

  /** Asks the person whether the client may sign them in, naming what it will receive. */
  const consentPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    details: Details,
    clientName: string,
    email: string,
    refreshes: boolean,
  ) => {
    const { t } = request;
    const asked = String(details.params.scope ?? '').split(' ');
    if (refreshes && !asked.includes('offline_access')) asked.push('offline_access');
    const scopes = asked.filter((s): s is ConsentScope => consentScopes.includes(s as ConsentScope));
    const csrf = csrfField(lanyard, request, reply);
    return sendPage(lanyard, request, reply, {
      title: t('oidc.consent.title', { client: clientName }),
      main: html`<p>${t('oidc.consent.intro', { client: clientName })}</p>
        <ul>
          ${scopes.map((s) => html`<li>${t(`oidc.consent.scope.${s}`)}</li>`)}
        </ul>
        <p>${t('oidc.consent.remember')}</p>
        <form method="post" action="/interaction/${details.uid}/another-account">
          ${csrf}
          <p class="hint">
            ${t('oidc.consent.account', { email })} ${button(t('oidc.consent.anotherAccount'), { weight: 'link' })}
          </p>
        </form>
        <form class="actions" method="post" action="/interaction/${details.uid}/consent">
          ${csrf} ${button(t('oidc.consent.allow'), { name: 'decision', value: 'allow' })}
          ${button(t('oidc.consent.deny'), { name: 'decision', value: 'deny', weight: 'secondary' })}
        </form>`,
    });
  };

  /**
   * Sends the browser on to the provider. Straight after one of Lanyard's forms the redirects would
   * end at the client's origin, which the form page's CSP `form-action 'self'` forbids (browsers
   * check redirects after a form submission): a page that moves on by itself starts a new
   * navigation instead.
   */
  const answer = (request: FastifyRequest, reply: FastifyReply, to: string) => {
    if (request.method === 'POST' || request.headers['sec-fetch-site'] === 'same-origin') {
      reply.header('refresh', `0;url=${to}`);
      const { t } = request;
      return sendPage(lanyard, request, reply, {
        title: t('oidc.continue.title'),
        main: html`<p>${t('oidc.continue.text')}</p>
          ${linkButton(to, t('oidc.continue.button'), { block: true })}`,
      });
    }
    return reply.redirect(to, 303);
  };
};

/** Each answer stands alone: an earlier one (a login) is not carried into the next. */
const fresh = { mergeWithLastSubmission: false };
