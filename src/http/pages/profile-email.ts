import { Type } from 'typebox';
import { checkEmailChange, confirmEmailChange, emailChangePath } from '../../accounts/email-change.js';
import { findAccountById } from '../../stores/accounts.js';
import { html } from '../../lib/html.js';
import type { Route } from '../app.js';
import { CsrfField } from '../csrf.js';
import { setFlash } from '../flash.js';
import { routeLimits } from '../guards.js';
import { postButton, sentence } from '../views/components.js';
import { csrfField, sendPage } from '../views/layout.js';

const TokenParams = Type.Object({ token: Type.String({ maxLength: 200 }) });

/**
 * Step 2 of an email change: the link mailed to the new address. Opening it shows what will
 * change; the button changes it (a mail scanner that follows links changes nothing). Signed in to
 * the account, the person lands on /profile; signed out, on the sign-in page — told either way.
 */
export const profileEmailRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;
  const limits = routeLimits(config);

  app.get(
    '/profile/email/:token',
    { schema: { params: TokenParams }, config: limits.token },
    async (request, reply) => {
      const { token } = request.params;
      const { t } = request;
      const reg = await checkEmailChange(lanyard.db, token, request.auth?.account ?? null, lanyard.clock.now());
      const account = await findAccountById(lanyard.db, reg.account_id ?? '');
      return sendPage(lanyard, request, reply, {
        title: t('emailChange.title'),
        main: html`<p>${sentence(t, 'emailChange.lead', { email: reg.email ?? '', old: account?.email ?? '' }, ['email', 'old'])}</p>
        <div class="actions">
          ${postButton(emailChangePath(token), csrfField(lanyard, request, reply), t('emailChange.submit'))}
          <a href="/profile">${t('emailChange.keep')}</a>
        </div>`,
      });
    },
  );

  app.post(
    '/profile/email/:token',
    {
      schema: { params: TokenParams, body: Type.Object({ _csrf: CsrfField }) },
      config: { ...limits.token, guards: ['csrf'] },
    },
    async (request, reply) => {
      const signedIn = request.auth?.account ?? null;
      const { account, from } = await confirmEmailChange(lanyard, request.params.token, signedIn, request.ip);
      if (signedIn) {
        setFlash(reply, config, {
          kind: 'success',
          key: 'flash.emailChanged',
          params: { email: account.email, old: from },
        });
        return reply.redirect('/profile', 303);
      }
      setFlash(reply, config, { kind: 'success', key: 'flash.emailChangedSignIn', params: { email: account.email } });
      return reply.redirect('/login', 303);
    },
  );
};
