import { Type } from 'typebox';
import { parseEmail } from '../../accounts/email-address.js';
import { requestPasswordReset, resetPassword } from '../../accounts/password-accounts.js';
import { isLanyardError } from '../../errors.js';
import type { MessageKey } from '../../i18n/index.js';
import { checkRegistrationToken } from '../../stores/registrations.js';
import type { Route } from '../app.js';
import { sessionContext, setSessionCookie } from '../auth.js';
import { CsrfField } from '../csrf.js';
import { routeLimits } from '../guards.js';
import { field, formError } from '../views/forms.js';
import { html } from '../../lib/html.js';
import { csrfField, sendPage } from '../views/layout.js';
import { button } from '../views/components.js';
import { flashMailResult, setFlash } from '../flash.js';

const EmailBody = Type.Object({ email: Type.String({ maxLength: 1000 }), _csrf: CsrfField });
const TokenParams = Type.Object({ token: Type.String({ maxLength: 200 }) });
const ResetBody = Type.Object({
  password: Type.String({ maxLength: 4096 }),
  passwordConfirm: Type.String({ maxLength: 4096 }),
  _csrf: CsrfField,
});

export const forgotRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;
  const limits = routeLimits(config);

  const emailForm = (
    request: Parameters<typeof sendPage>[1],
    reply: Parameters<typeof sendPage>[2],
    opts: { email?: string; error?: string; status?: number } = {},
  ) =>
    sendPage(lanyard, request, reply, {
      title: request.t('forgot.title'),
      status: opts.status,
      main: html`${formError(request.t, opts.error)}
        <p>${request.t('forgot.intro')}</p>
        <form method="post" action="/forgot" novalidate>
          ${csrfField(lanyard, request, reply)}
          ${field({ name: 'email', label: request.t('login.email'), type: 'email', value: opts.email, autocomplete: 'email' })}
          ${button(request.t('forgot.submit'), { block: true })}
        </form>`,
    });

  app.get('/forgot', (request, reply) => emailForm(request, reply));

  app.post(
    '/forgot',
    { schema: { body: EmailBody }, config: { ...limits.signIn, guards: ['csrf'] } },
    async (request, reply) => {
      let email: string;
      try {
        email = parseEmail(request.body.email);
      } catch {
        return emailForm(request, reply, {
          email: request.body.email.slice(0, 254),
          error: 'INVALID_EMAIL',
          status: 400,
        });
      }
      flashMailResult(reply, config, await requestPasswordReset(lanyard, email, request.locale), lanyard.clock.now());
      return reply.redirect('/email-confirmation', 303);
    },
  );

  const resetForm = (
    request: Parameters<typeof sendPage>[1],
    reply: Parameters<typeof sendPage>[2],
    token: string,
    opts: { error?: string; message?: string; status?: number } = {},
  ) =>
    sendPage(lanyard, request, reply, {
      title: request.t('forgot.reset.title'),
      status: opts.status,
      main: html`${formError(request.t, opts.error, opts.message)}
        <form method="post" action="/forgot/${token}" novalidate>
          ${csrfField(lanyard, request, reply)}
          ${field({ name: 'password', label: request.t('profile.newPassword'), type: 'password', hint: request.t('register.passwordHint'), autocomplete: 'new-password' })}
          ${field({ name: 'passwordConfirm', label: request.t('register.passwordConfirm'), type: 'password', autocomplete: 'new-password' })}
          ${button(request.t('forgot.reset.submit'), { block: true })}
        </form>`,
    });

  app.get('/forgot/:token', { schema: { params: TokenParams }, config: limits.token }, async (request, reply) => {
    await checkRegistrationToken(lanyard.db, request.params.token, { types: ['FORGOT'], now: lanyard.clock.now() });
    return resetForm(request, reply, request.params.token);
  });

  app.post(
    '/forgot/:token',
    { schema: { params: TokenParams, body: ResetBody }, config: { ...limits.token, guards: ['csrf'] } },
    async (request, reply) => {
      const { token } = request.params;
      if (request.body.password !== request.body.passwordConfirm) {
        await checkRegistrationToken(lanyard.db, token, { types: ['FORGOT'], now: lanyard.clock.now() });
        return resetForm(request, reply, token, {
          error: 'VALIDATION_FAILED',
          message: request.t('register.passwordMismatch'),
          status: 400,
        });
      }
      try {
        const { cookie } = await resetPassword(lanyard, token, request.body.password, sessionContext(request));
        setSessionCookie(lanyard, reply, cookie!);
        setFlash(reply, config, { kind: 'success', key: 'flash.passwordReset' });
        return reply.redirect('/profile', 303);
      } catch (e) {
        if (isLanyardError(e) && e.code === 'PASSWORD_TOO_WEAK') {
          return resetForm(request, reply, token, {
            error: e.code,
            message: request.t(`password.${String(e.details?.reason)}` as MessageKey),
            status: 400,
          });
        }
        throw e;
      }
    },
  );
};
