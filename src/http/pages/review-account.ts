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
import { sessionContext, setSessionCookie } from '../auth.js';
import { verifyCsrf } from '../csrf.js';
import { html } from '../../lib/html.js';
import { csrfField, sendPage } from '../views/layout.js';
import { orcidIdLink } from './orcid.js';

const TokenParams = Type.Object({ token: Type.String({ maxLength: 200 }) });
const Choice = Type.Optional(Type.Union([Type.Literal('received'), Type.Literal('current')]));
const MergeBody = Type.Object({
  givenName: Choice,
  familyName: Choice,
  email: Choice,
  _csrf: Type.String({ maxLength: 200 }),
});

/**
 * /review-account/:token — received vs current values side by side, one choice per field, one
 * submit (product.md §3 case 6). A VALIDATION token (mailed to the account's own address) works
 * anonymously; an EXTERNAL token needs the person signed in to the account it will join.
 */
export const reviewAccountRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;
  const tokenLimit = { rateLimit: { max: config.rateLimit.tokenGuessesPerMinute, timeWindow: 60_000 } };

  const table = (request: FastifyRequest, rows: ReviewRow[]) => {
    const { t } = request;
    const shown = (v: string | null) => v ?? t('review.empty');
    return html`<table>
      <caption class="hint">
        ${t('review.title')}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t('review.field')}</th>
          <th scope="col">${t('review.received')}</th>
          <th scope="col">${t('review.current')}</th>
          <th scope="col">${t('review.choice')}</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map((r) => {
          const label = t(`review.field.${r.field}` as MessageKey);
          const differs = r.received !== null && r.current !== null && r.received !== r.current;
          return html`<tr>
            <th scope="row">${label}</th>
            <td>${shown(r.received)}</td>
            <td>${shown(r.current)}</td>
            <td>
              ${
                differs
                  ? html`<fieldset>
                      <legend class="hint">${label}</legend>
                      <label
                        ><input type="radio" name="${r.field}" value="current" checked />
                        ${t('review.keepCurrent')}</label
                      >
                      <label
                        ><input type="radio" name="${r.field}" value="received" /> ${t('review.useReceived')}</label
                      >
                    </fieldset>`
                  : '—'
              }
            </td>
          </tr>`;
        })}
      </tbody>
    </table>`;
  };

  app.get('/review-account/:token', { schema: { params: TokenParams }, config: tokenLimit }, async (request, reply) => {
    const { token } = request.params;
    try {
      const { registration, target, rows } = await reviewRegistration(lanyard, token, request.auth?.account ?? null);
      const { t } = request;
      // Name the iD being linked: a VALIDATION link may come from someone else's sign-in.
      return sendPage(lanyard, request, reply, {
        title: t('review.title'),
        main: html`<p>${t('review.intro', { email: target.email })}</p>
          <p>${t('review.linking')} ${orcidIdLink(lanyard, registration.subject ?? '')}</p>
          <p class="hint">${t('review.notYou')}</p>
          <form method="post" action="/review-account/${token}">
            ${csrfField(lanyard, request, reply)} ${table(request, rows)}
            <button type="submit">${t('review.submit')}</button>
          </form>`,
      });
    } catch (e) {
      // An EXTERNAL token opened before signing in: sign in first, then come back here.
      if (isLanyardError(e) && e.code === 'AUTH_REQUIRED')
        return reply.redirect(`/login?returnTo=${encodeURIComponent(`/review-account/${token}`)}`, 303);
      throw e;
    }
  });

  app.post(
    '/review-account/:token',
    { schema: { params: TokenParams, body: MergeBody }, config: tokenLimit },
    async (request, reply) => {
      verifyCsrf(request, config, request.body._csrf);
      const { _csrf, ...choices } = request.body;
      const { cookie } = await mergeRegistration(lanyard, request.params.token, {
        viewer: request.auth?.account ?? null,
        choices: choices as ReviewChoices,
        session: sessionContext(request),
      });
      setSessionCookie(lanyard, reply, cookie);
      return reply.redirect('/profile?linked=orcid', 303);
    },
  );
};
