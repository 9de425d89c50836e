import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { LanyardError } from '../errors.js';
import type { Route } from '../http/app.js';
import { linkButton } from '../http/views/components.js';
import { sendPage } from '../http/views/layout.js';
import { html } from '../lib/html.js';
import { interactionPath, OIDC_PATH } from './paths.js';
import { createOpenIdProvider } from './provider.js';

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
      raw.url = raw.url!.slice(OIDC_PATH.length) || '/';
      await callback(raw, reply.raw);
    };
    scope.all(OIDC_PATH, handler);
    scope.all(`${OIDC_PATH}/*`, handler);
  });

  app.get<{ Params: { uid: string } }>('/interaction/:uid', async (request, reply) => {
    const details = await provider.interactionDetails(request.raw, reply.raw).catch(() => undefined);
    if (!details || details.uid !== request.params.uid) {
      throw new LanyardError('OIDC_INTERACTION_EXPIRED', 'The sign-in request expired or belongs to another browser.');
    }
    // Not signed in (or the account was disabled since): Lanyard's own sign-in page, with every
    // provider, comes back here when done.
    if (!request.auth) {
      return reply.redirect(`/login?returnTo=${encodeURIComponent(interactionPath(details.uid))}`, 303);
    }
    const { account, session } = request.auth;
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
