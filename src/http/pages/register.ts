import { Type } from 'typebox';
import { parseEmail } from '../../accounts/email-address.js';
import { completeRegistration, requestRegistration } from '../../accounts/password-accounts.js';
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
import { button, notice } from '../views/components.js';
import { flashMailResult, peekFlash, setFlash } from '../flash.js';

const EmailBody = Type.Object({ email: Type.String({ maxLength: 1000 }), _csrf: CsrfField });
const TokenParams = Type.Object({ token: Type.String({ maxLength: 200 }) });
const CompleteBody = Type.Object({
  givenName: Type.String({ maxLength: 200 }),
  familyName: Type.String({ maxLength: 200 }),
  password: Type.String({ maxLength: 4096 }),
  passwordConfirm: Type.String({ maxLength: 4096 }),
  _csrf: CsrfField,
});

export const registerRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;
  const limits = routeLimits(config);

  const emailForm = (
    request: Parameters<typeof sendPage>[1],
    reply: Parameters<typeof sendPage>[2],
    opts: { email?: string; error?: string; status?: number } = {},
  ) => {
    const { t } = request;
    if (!config.selfRegistration) {
      return sendPage(lanyard, request, reply, {
        title: t('register.title'),
        status: 403,
        main: notice('info', t('register.disabled'), { code: 'SELF_REGISTRATION_DISABLED' }),
      });
    }
    return sendPage(lanyard, request, reply, {
      title: t('register.title'),
      status: opts.status,
      main: html`${formError(t, opts.error)}
        <p>${t('register.intro')}</p>
        <form method="post" action="/register" novalidate>
          ${csrfField(lanyard, request, reply)}
          ${field({ name: 'email', label: t('login.email'), type: 'email', value: opts.email, autocomplete: 'email' })}
          ${button(t('register.submit'), { block: true })}
        </form>`,
    });
  };

  app.get('/register', (request, reply) => emailForm(request, reply));

  app.post(
    '/register',
    { schema: { body: EmailBody }, config: { ...limits.signIn, guards: ['csrf'] } },
    async (request, reply) => {
      if (!config.selfRegistration) return emailForm(request, reply);
      let email: string;
      try {
        email = parseEmail(request.body.email);
      } catch (e) {
        return emailForm(request, reply, {
          email: request.body.email.slice(0, 254),
          error: isLanyardError(e) ? e.code : 'INVALID_EMAIL',
          status: 400,
        });
      }
      flashMailResult(reply, config, await requestRegistration(lanyard, email, request.locale), lanyard.clock.now());
      return reply.redirect('/email-confirmation', 303);
    },
  );

  const completeForm = (
    request: Parameters<typeof sendPage>[1],
    reply: Parameters<typeof sendPage>[2],
    token: string,
    email: string,
    opts: { error?: string; message?: string; status?: number; givenName?: string; familyName?: string } = {},
  ) => {
    const { t } = request;
    return sendPage(lanyard, request, reply, {
      title: t('register.complete.title'),
      status: opts.status,
      main: html`${formError(t, opts.error, opts.message)}
        <form method="post" action="/register/${token}" novalidate>
          ${csrfField(lanyard, request, reply)}
          <p>${t('login.email')}: <strong>${email}</strong></p>
          ${field({ name: 'givenName', label: t('register.givenName'), value: opts.givenName, autocomplete: 'given-name' })}
          ${field({ name: 'familyName', label: t('register.familyName'), value: opts.familyName, autocomplete: 'family-name' })}
          ${field({ name: 'password', label: t('register.password'), type: 'password', hint: t('register.passwordHint'), autocomplete: 'new-password' })}
          ${field({ name: 'passwordConfirm', label: t('register.passwordConfirm'), type: 'password', autocomplete: 'new-password' })}
          ${button(t('register.complete.submit'), { block: true })}
        </form>`,
    });
  };

  app.get('/register/:token', { schema: { params: TokenParams }, config: limits.token }, async (request, reply) => {
    const reg = await checkRegistrationToken(lanyard.db, request.params.token, {
      types: ['REGISTER'],
      now: lanyard.clock.now(),
    });
    return completeForm(request, reply, request.params.token, reg.email ?? '');
  });

  app.post(
    '/register/:token',
    { schema: { params: TokenParams, body: CompleteBody }, config: { ...limits.token, guards: ['csrf'] } },
    async (request, reply) => {
      const { token } = request.params;
      const body = request.body;
      const reg = await checkRegistrationToken(lanyard.db, token, { types: ['REGISTER'], now: lanyard.clock.now() });
      const again = (error: string, message: string) =>
        completeForm(request, reply, token, reg.email ?? '', {
          error,
          message,
          status: 400,
          givenName: body.givenName,
          familyName: body.familyName,
        });
      if (body.password !== body.passwordConfirm)
        return again('VALIDATION_FAILED', request.t('register.passwordMismatch'));
      try {
        const { cookie } = await completeRegistration(
          lanyard,
          token,
          {
            givenName: body.givenName.trim(),
            familyName: body.familyName.trim(),
            password: body.password,
            locale: request.locale,
          },
          sessionContext(request),
        );
        setSessionCookie(lanyard, reply, cookie!);
        setFlash(reply, config, { kind: 'success', key: 'flash.accountCreated' });
        return reply.redirect('/profile', 303);
      } catch (e) {
        if (isLanyardError(e) && e.code === 'PASSWORD_TOO_WEAK')
          return again(e.code, request.t(`password.${String(e.details?.reason)}` as MessageKey));
        throw e;
      }
    },
  );

  app.get('/email-confirmation', (request, reply) =>
    sendPage(lanyard, request, reply, {
      title: request.t('confirm.title'),
      // When the mail was held back, the flash says so; "we have sent it an email" would contradict it.
      // When the flash names the address the link went to, it says all this page would.
      main: ['flash.mailHeldBack', 'flash.linkSentTo'].includes(peekFlash(request, config)?.key ?? '')
        ? html``
        : notice('info', request.t('confirm.body')),
    }),
  );
};
