import type { FastifyReply } from 'fastify';
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
 * change; the button changes it (a mail scanner that follows links changes nothing). Only the
 * account that asked may confirm it: a signed-out browser signs in first and comes back. Were a
 * click from the inbox enough, anyone could ask to move their own account to a stranger's address,
 * and the stranger's one click on "use this address" would hand them an account holding it,
 * verified — into which the stranger's first sign-in with a provider releasing that address would
 * then be linked.
 */
export const profileEmailRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;
  const limits = routeLimits(config);
  /** To the sign-in page, told why, and back to the link once signed in. */
  const signInFirst = (reply: FastifyReply, token: string) => {
    setFlash(reply, config, { kind: 'info', key: 'flash.emailChangeSignInFirst' });
    return reply.redirect(`/login?returnTo=${encodeURIComponent(emailChangePath(token))}`, 303);
  };

  app.get(
    '/profile/email/:token',
    { schema: { params: TokenParams }, config: limits.token },
    async (request, reply) => {
      const { token } = request.params;
      const { t } = request;
      const reg = await checkEmailChange(lanyard.db, token, request.auth?.account ?? null, lanyard.clock.now());
      if (!request.auth) return signInFirst(reply, token);
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
      const signedIn = request.auth?.account;
      if (!signedIn) return signInFirst(reply, request.params.token);
      const { account, from } = await confirmEmailChange(lanyard, request.params.token, signedIn, request.ip);
      setFlash(reply, config, {
        kind: 'success',
        key: 'flash.emailChanged',
        params: { email: account.email, old: from },
      });
      return reply.redirect('/profile', 303);
    },
  );
};
