import { Type } from 'typebox';
import { brokerSignIn } from '../../broker/execute.js';
import { LanyardError, isLanyardError } from '../../errors.js';
import type { Lanyard } from '../../lanyard.js';
import type { ExternalProfile } from '../../providers/profile.js';
import { checkCallbackQuery } from '../../providers/oauth/callback.js';
import { type OAuthFlow, checkState, decodeFlow, encodeFlow, newFlow } from '../../providers/oauth/state.js';
import { findIdentity } from '../../stores/identities.js';
import type { FastifyReply } from 'fastify';
import type { Route } from '../app.js';
import { requireAuth, sessionContext, setSessionCookie } from '../auth.js';
import { clearCookie, cookieNames, setCookie } from '../cookies.js';
import { verifyCsrf } from '../csrf.js';
import { bindBrowser } from '../browser-binding.js';
import { safeRedirect } from '../redirects.js';
import type { StatusOverrides } from '../status-overrides.js';
import { html } from '../../lib/html.js';
import { extensionsOf } from '../extensions.js';
import { setFlash } from '../flash.js';
import { linkBase, returnsToUi } from '../ui-links.js';

/** DSpace's callback answers 401 when ORCID is off or no code came (OrcidLoginFilterIT, reference §4.1). */
export const callbackStatuses: StatusOverrides = { PROVIDER_NOT_CONFIGURED: 401, OAUTH_CALLBACK_EMPTY: 401 };

/** ORCID's display guidelines: the iD icon and the full https://orcid.org/… link, for authenticated iDs only. */
export function orcidIdLink(lanyard: Lanyard, orcid: string) {
  const url = lanyard.orcid?.idUrl(orcid) ?? `https://orcid.org/${orcid}`;
  return html`<span class="orcid-id"
    ><img src="/assets/orcid-id.svg" alt="ORCID iD" width="16" height="16" /><a href="${url}" rel="noopener"
      >${url}</a
    ></span
  >`;
}

/**
 * Starts an ORCID sign-in: the flow (state, nonce, where to return) goes into a signed cookie bound
 * to this browser, and the browser to ORCID's authorize endpoint. Shared by the pages and the REST
 * API's `GET /api/authn/orcid/start` (which answers 302, as DSpace's ORCID location does).
 */
export function redirectToOrcid(lanyard: Lanyard, reply: FastifyReply, flow: OAuthFlow, status: 302 | 303 = 303) {
  const { config } = lanyard;
  if (!lanyard.orcid) throw new LanyardError('PROVIDER_NOT_CONFIGURED', 'ORCID sign-in is not configured.');
  setCookie(reply, config, cookieNames(config).oauth, encodeFlow(flow, config), 600);
  return reply.redirect(lanyard.orcid.authorizationUrl(flow), status);
}

export const orcidRoutes: Route = (app, lanyard) => {
  const orcid = lanyard.orcid;
  if (!orcid) {
    app.get('/api/authn/orcid', { config: { statusOverrides: callbackStatuses } }, () => {
      throw new LanyardError('PROVIDER_NOT_CONFIGURED', 'ORCID sign-in is not configured.');
    });
    return;
  }
  const { config } = lanyard;
  const demo = config.orcid?.env === 'emulator';

  const ext = extensionsOf(app);
  ext.login.push(
    ({ returnTo, t }) =>
      html`<p>
          <a class="button orcid-button" href="/login/orcid?returnTo=${encodeURIComponent(returnTo)}"
            ><img src="/assets/orcid-id.svg" alt="" width="24" height="24" />${t('login.orcid')}</a
          >
        </p>
        <p class="hint">${t('login.orcidHint')}${demo ? html` <strong>${t('orcid.demoLabel')}</strong>` : ''}</p>
        <p class="or">${t('login.or')}</p>`,
  );
  ext.identityViews.orcid = (identity) => orcidIdLink(lanyard, identity.subject);
  ext.profile.push(({ identities, t, csrf }) =>
    identities.some((i) => i.provider === 'orcid')
      ? html``
      : html`<form method="post" action="/profile/link/orcid">
          ${csrf}<button type="submit" class="secondary orcid-button">
            <img src="/assets/orcid-id.svg" alt="" width="24" height="24" />${t('profile.linkOrcid')}
          </button>
        </form>`,
  );

  const start = (reply: FastifyReply, flow: OAuthFlow) => redirectToOrcid(lanyard, reply, flow);

  app.get(
    '/login/orcid',
    { schema: { querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 2000 })) }) } },
    (request, reply) =>
      start(
        reply,
        newFlow(
          { returnTo: safeRedirect(request.query.returnTo, config), intent: 'sign_in', sessionId: null },
          lanyard.clock.now(),
        ),
      ),
  );

  app.post(
    '/profile/link/orcid',
    { schema: { body: Type.Object({ _csrf: Type.String({ maxLength: 200 }) }) } },
    (request, reply) => {
      verifyCsrf(request, config, request.body._csrf);
      const { session } = requireAuth(request);
      return start(
        reply,
        newFlow({ returnTo: '/profile', intent: 'link', sessionId: session.id }, lanyard.clock.now()),
      );
    },
  );

  /**
   * The redirect URI registered at ORCID — the same path as DSpace's (dspace-orcid-login.md §4.1).
   * ORCID's error redirects may lack `state` (§1.2.2) or arrive as a fragment the server never
   * sees, so `error` and "no code at all" are handled before the state check and the exchange.
   */
  app.get(
    '/api/authn/orcid',
    {
      config: {
        rateLimit: { max: config.rateLimit.signInPerMinute, timeWindow: 60_000 },
        statusOverrides: callbackStatuses,
      },
    },
    async (request, reply) => {
      const query = new URLSearchParams(request.url.split('?')[1] ?? '');
      const flowCookie = request.cookies[cookieNames(config).oauth];
      clearCookie(reply, config, cookieNames(config).oauth);
      checkCallbackQuery(query, config.orcid!.siteUrl);
      if (query.has('error')) {
        const error = query.get('error')!.slice(0, 100);
        throw error === 'access_denied'
          ? new LanyardError('PROVIDER_ACCESS_DENIED', 'Access was denied on ORCID.')
          : new LanyardError('PROVIDER_ERROR', `ORCID reported an error: ${error}.`, { error });
      }
      if (!query.has('code')) throw new LanyardError('OAUTH_CALLBACK_EMPTY', 'ORCID sent no answer.');
      const flow = decodeFlow(flowCookie, config, lanyard.clock.now());
      checkState(flow, query.get('state'));

      const tokens = await orcid.exchange(query, flow);
      const profile: ExternalProfile = {
        provider: 'orcid',
        subject: tokens.orcid,
        issuer: config.orcid!.siteUrl,
        emails: await emailsOrSnapshot(lanyard, tokens.orcid, tokens.accessToken),
        givenName: tokens.givenName,
        familyName: tokens.familyName,
        displayName: tokens.name,
        tokens: {
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          scopes: tokens.scopes,
          expiresAt: tokens.expiresIn ? new Date(lanyard.clock.now().getTime() + tokens.expiresIn * 1000) : null,
        },
        amr: tokens.amr,
      };
      const linking = flow.intent === 'link' && request.auth !== null && request.auth.session.id === flow.sessionId;
      const outcome = await brokerSignIn(lanyard, profile, {
        intent: linking ? 'link' : 'sign_in',
        returnTo: flow.returnTo,
        browserHash: bindBrowser(lanyard, request, reply),
        session: { ...sessionContext(request), signedInAccountId: linking ? request.auth!.account.id : null },
      });
      switch (outcome.kind) {
        case 'session':
          setSessionCookie(lanyard, reply, outcome.cookie);
          if (outcome.autoLinked)
            setFlash(reply, config, {
              kind: 'success',
              key: 'flash.autoLinked',
              params: { identity: 'ORCID iD', provider: 'ORCID', email: outcome.autoLinked.email },
            });
          return reply.redirect(outcome.redirect, 303);
        case 'linked':
          setFlash(reply, config, { kind: 'success', key: 'flash.linked', params: { provider: 'ORCID iD' } });
          return reply.redirect('/profile', 303);
        case 'registration':
          // A sign-in the UI started continues on its /external-login/{token} (DSpace's OrcidLoginFilter).
          return reply.redirect(
            returnsToUi(config, flow.returnTo) ? `${linkBase(config, true)}${outcome.redirect}` : outcome.redirect,
            303,
          );
        case 'refused':
          throw outcome.error;
      }
    },
  );
};

/**
 * Emails are needed to decide about a new iD; a returning one signs in by its iD alone. So when
 * the ORCID API fails, a known iD continues with the emails it had, and only a new one fails.
 */
async function emailsOrSnapshot(
  lanyard: Lanyard,
  orcid: string,
  accessToken: string,
): Promise<ExternalProfile['emails']> {
  try {
    return await lanyard.orcid!.emails(orcid, accessToken);
  } catch (e) {
    if (!isLanyardError(e)) throw e;
    const known = await findIdentity(lanyard.db, 'orcid', orcid);
    if (!known) throw e;
    lanyard.log.warn({ code: e.code }, 'ORCID email lookup failed; signing in a known iD without it');
    return known.profile.emails ?? [];
  }
}
