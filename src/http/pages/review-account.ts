import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  type ReviewChoices,
  type ReviewRow,
  mergeRegistration,
  reviewRegistration,
} from '../../broker/registrations.js';
import { isLanyardError } from '../../errors.js';
import type { MessageKey } from '../../i18n/index.js';
import type { Route } from '../app.js';
import { isFreshAuth, sessionContext, setSessionCookie } from '../auth.js';
import { routeLimits } from '../guards.js';
import { html } from '../../lib/html.js';
import { loginThen, safeRedirect } from '../redirects.js';
import { CsrfField } from '../csrf.js';
import { csrfField, sendPage } from '../views/layout.js';
import { button, comparison, facts, notice, postButton, signingInFor } from '../views/components.js';
import { checkRegistrationToken, fromOriginBrowser } from '../../stores/registrations.js';
import { startProof } from './providers.js';
import { clientOfReturnTo } from '../../openid-provider/interaction-client.js';
import { confirmBox } from '../views/forms.js';
import { browserHashOf } from '../browser-binding.js';
import { setFlash } from '../flash.js';

const TokenParams = Type.Object({ token: Type.String({ maxLength: 200 }) });
const Choice = Type.Optional(Type.Union([Type.Literal('received'), Type.Literal('current')]));
const ProveBody = Type.Object({ _csrf: CsrfField });
const MergeBody = Type.Object({
  givenName: Choice,
  familyName: Choice,
  email: Choice,
  confirm: Type.Optional(Type.Literal('yes')),
  _csrf: CsrfField,
});

/**
 * /review-account/:token — received vs current values side by side, one choice per field, one
 * submit (docs/design.md §3 case 6). A VALIDATION token (mailed to the account's own address) works
 * anonymously; an EXTERNAL token needs the person signed in to the account it will join.
 */
export const reviewAccountRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;
  const limits = routeLimits(config);

  /** To the sign-in page asking to sign in again, and back to this review afterwards. */
  const signInAgain = (reply: FastifyReply, token: string) =>
    reply.redirect(`/login?reauth=1&returnTo=${encodeURIComponent(`/review-account/${token}`)}`, 303);

  /** The provider being linked, as the sentences name it. */
  const whoOf = (provider: string | null, request: FastifyRequest) => ({
    provider: lanyard.providers.get(provider)?.label(request.locale) ?? provider ?? '',
    identity: lanyard.providers.identityName(provider, request.locale),
  });

  const table = (request: FastifyRequest, rows: ReviewRow[], who: Record<string, string>) => {
    const { t } = request;
    return comparison({
      receivedHeading: t('review.received', who),
      currentHeading: t('review.current'),
      sameHeading: t('review.unchanged'),
      empty: t('review.empty'),
      rows: rows.map((r) => ({ ...r, name: r.field, label: t(`review.field.${r.field}` as MessageKey) })),
    });
  };

  app.get(
    '/review-account/:token',
    { schema: { params: TokenParams }, config: limits.token },
    async (request, reply) => {
      const { token } = request.params;
      try {
        const { registration, target, rows } = await reviewRegistration(
          lanyard,
          token,
          request.auth?.account ?? null,
          isFreshAuth(lanyard, request),
          browserHashOf(lanyard, request),
        );
        const { t } = request;
        const who = whoOf(registration.provider, request);
        const identity = lanyard.providers.identityView(
          registration.provider,
          registration.subject,
          registration.profile.issuer,
          request.locale,
        );
        const idUrl = lanyard.providers.identifier(
          registration.provider,
          registration.subject,
          registration.profile.issuer,
        );
        const csrf = csrfField(lanyard, request, reply);
        // A mailed link opened in a browser that has not signed in with its identity: the proof
        // sign-in first (the mailbox alone may be somebody else's, reached through a mistyped address).
        if (registration.mailed && !fromOriginBrowser(registration, browserHashOf(lanyard, request)))
          return sendPage(lanyard, request, reply, {
            title: t('external.prove.title'),
            wide: true,
            main: html`<p>${t('external.prove.body', { ...who, id: idUrl, email: target.email })}</p>
              ${facts([[t('review.linking', who), identity]])}
              ${postButton(`/review-account/${token}/prove`, csrf, t('external.prove.button', who))}`,
          });
        // A mailed link proves the mailbox, not who started the sign-in: its owner confirms the identity.
        const confirm = registration.mailed
          ? confirmBox(t('review.confirm', { ...who, id: idUrl, email: target.email }))
          : '';
        // The repository the sign-in goes on to, from the registration's stored return-to.
        const client = registration.return_to ? await clientOfReturnTo(lanyard.db, registration.return_to) : undefined;
        // Name the identity being linked: a VALIDATION link may come from someone else's sign-in.
        return sendPage(lanyard, request, reply, {
          title: t('review.title'),
          wide: true,
          main: html`${client ? signingInFor(t, client, 'firstSignIn') : ''}<p>${t('review.intro', { ...who, email: target.email })}</p>
          ${facts([[t('review.linking', who), identity]])}
          ${notice('warning', t(registration.mailed ? 'review.notYou' : 'review.notYouSignedIn', who))}
          <form method="post" action="/review-account/${token}">
            ${csrf} ${table(request, rows, who)} ${confirm} ${button(t('review.submit', who))}
          </form>`,
        });
      } catch (e) {
        // An EXTERNAL token opened before signing in: sign in first, then come back here.
        if (isLanyardError(e) && e.code === 'AUTH_REQUIRED')
          return reply.redirect(`/login?returnTo=${encodeURIComponent(`/review-account/${token}`)}`, 303);
        // Signed in, but not recently: sign in again, then come back here.
        if (isLanyardError(e) && e.code === 'REAUTH_REQUIRED') return signInAgain(reply, token);
        throw e;
      }
    },
  );

  // A mailed link opened in another browser: sign in with its provider here first (startProof).
  app.post(
    '/review-account/:token/prove',
    { schema: { params: TokenParams, body: ProveBody }, config: { ...limits.token, guards: ['csrf'] } },
    async (request, reply) => {
      const { token } = request.params;
      const reg = await checkRegistrationToken(lanyard.db, token, {
        types: ['VALIDATION'],
        now: lanyard.clock.now(),
        browser: browserHashOf(lanyard, request),
      });
      return startProof(lanyard, request, reply, reg, `/review-account/${token}`);
    },
  );

  app.post(
    '/review-account/:token',
    { schema: { params: TokenParams, body: MergeBody }, config: { ...limits.token, guards: ['csrf'] } },
    async (request, reply) => {
      const { _csrf, confirm, ...choices } = request.body;
      let merged: Awaited<ReturnType<typeof mergeRegistration>>;
      try {
        merged = await mergeRegistration(lanyard, request.params.token, {
          viewer: request.auth?.account ?? null,
          viewerFresh: isFreshAuth(lanyard, request),
          choices: choices as ReviewChoices,
          session: sessionContext(request),
          use: { browser: browserHashOf(lanyard, request), confirmed: confirm === 'yes' },
        });
      } catch (e) {
        // Nothing was merged: sign in again, then back to the review (its choices are made again there).
        if (isLanyardError(e) && e.code === 'REAUTH_REQUIRED') return signInAgain(reply, request.params.token);
        throw e;
      }
      const { cookie, provider, returnTo } = merged;
      const identity = lanyard.providers.identityName(provider, request.locale);
      // Only a browser that proved the identity gets this far, and is signed in. Should a change
      // ever let another one through, it is not signed in: the person signs in to the account.
      const next = safeRedirect(returnTo, config);
      if (!cookie && !request.auth) {
        setFlash(reply, config, { kind: 'success', key: 'flash.linkedSignIn', params: { provider: identity } });
        return reply.redirect(loginThen(next), 303);
      }
      if (cookie) setSessionCookie(lanyard, reply, cookie);
      setFlash(reply, config, { kind: 'success', key: 'flash.linked', params: { provider: identity } });
      return reply.redirect(next, 303);
    },
  );
};
