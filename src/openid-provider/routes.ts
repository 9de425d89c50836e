import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { LanyardError } from '../errors.js';
import type { Route } from '../http/app.js';
import { linkButton } from '../http/views/components.js';
import { sendPage } from '../http/views/layout.js';
import { html } from '../lib/html.js';
import type { Lanyard } from '../lanyard.js';
import { interactionPath, OIDC_PATH } from './paths.js';
import { createOpenIdProvider, type SignedInRequest } from './provider.js';

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
    if (started === undefined || at < Math.floor(started)) return false;
  }
  const maxAge = Number(details.params.max_age);
  const now = lanyard.clock.now().getTime() / 1000;
  if (reasons.includes('max_age') && Number.isFinite(maxAge) && at < Math.floor(now - maxAge)) return false;
  return true;
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
  const prompts = String(params.prompt ?? '').split(' ').filter(Boolean);
  const since = Math.max(0, Math.ceil(lanyard.clock.now().getTime() / 1000 - stored.startedAt));
  const asked = params.max_age === undefined ? NaN : Number(params.max_age);
  const maxAge = prompts.includes('login') ? Math.min(since, Number.isFinite(asked) ? asked : since) : asked;
  const rest = prompts.filter((p) => p !== 'login');
  if (rest.length) query.set('prompt', rest.join(' '));
  if (Number.isFinite(maxAge)) query.set('max_age', String(maxAge));
  return `${OIDC_PATH}/auth?${query}`;
}

/**
 * Mounts the OpenID provider at /oidc and Lanyard's side of its sign-in: /interaction/:uid.
 * oidc-provider reads its own request bodies, so /oidc gets a scope whose parser leaves them unread.
 */
export const openIdProviderRoutes: Route = async (app, lanyard) => {
  const provider = await createOpenIdProvider(lanyard);
  const callback = provider.callback();

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      // As a mounted Koa app sees it: its own path in `url`, the full one in `originalUrl` (the
      // provider derives its endpoint URLs from the difference).
      const raw = request.raw as IncomingMessage & { originalUrl?: string };
      raw.originalUrl = raw.url;
      // Who is signed in to Lanyard in this browser: the provider's session holds only while this
      // does (src/openid-provider/provider.ts, the `lanyard_session` check).
      (raw as SignedInRequest).lanyardAuth = request.auth
        ? { accountId: request.auth.account.id, sessionId: request.auth.session.id }
        : undefined;
      raw.url = raw.url!.slice(OIDC_PATH.length) || '/';
      await callback(raw, reply.raw);
    };
    scope.all(OIDC_PATH, handler);
    scope.all(`${OIDC_PATH}/*`, handler);
  });

  app.get<{ Params: { uid: string } }>('/interaction/:uid', async (request, reply) => {
    const details = await provider.interactionDetails(request.raw, reply.raw).catch(() => undefined);
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
    const login = {
      accountId: account.id,
      amr: session.amr.split(' ').filter(Boolean),
      ts: Math.floor(session.authenticated_at.getTime() / 1000),
    };
    let result: InteractionResults;
    if (details.prompt.name === 'consent' && details.session?.accountId === account.id) {
      result = { consent: { grantId: await grantAll(provider, details, account.id) } };
    } else {
      result = { login };
    }
    const to = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
    // Straight after Lanyard's sign-in form, the redirects would end at the client's origin, which
    // the form page's CSP `form-action 'self'` forbids (browsers check redirects after a form
    // submission). A page that moves on by itself starts a new navigation instead.
    if (request.headers['sec-fetch-site'] === 'same-origin') {
      reply.header('refresh', `0;url=${to}`);
      const { t } = request;
      return sendPage(lanyard, request, reply, {
        title: t('oidc.continue.title'),
        main: html`<p>${t('oidc.continue.text')}</p>
          ${linkButton(to, t('oidc.continue.button'), { block: true })}`,
      });
    }
    return reply.redirect(to, 303);
  });
};

/**
 * Every client is first-party for now: the consent prompt is answered with what the client asked
 * for, without a page. (A consent page for third-party clients is still to come.)
 */
async function grantAll(
  provider: Provider,
  details: Awaited<ReturnType<Provider['interactionDetails']>>,
  accountId: string,
): Promise<string> {
  const clientId = String(details.params.client_id);
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}
