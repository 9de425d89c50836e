import { Type } from 'typebox';
import type { Route } from '../app.js';
import { signInWithPassword, signOut } from '../auth.js';
import { CsrfField } from '../csrf.js';
import { routeLimits } from '../guards.js';
import { safeRedirect } from '../redirects.js';
import { field, formError } from '../views/forms.js';
import { extensionsOf } from '../extensions.js';
import { html } from '../../lib/html.js';
import { csrfField, type PageOptions, sendFixedPage, sendPage } from '../views/layout.js';
import { button, notice, signingInFor } from '../views/components.js';
import { clientOfReturnTo, type SigningInFor } from '../../openid-provider/interaction-client.js';
import { setFlash } from '../flash.js';
import { providerOfToken } from '../../stores/registrations.js';

const LoginQuery = Type.Object({
  returnTo: Type.Optional(Type.String({ maxLength: 2000 })),
  reauth: Type.Optional(Type.Literal('1')),
  lang: Type.Optional(Type.String({ maxLength: 10 })),
});
const LoginBody = Type.Object({
  email: Type.String({ maxLength: 1000 }),
  password: Type.String({ maxLength: 4096 }),
  returnTo: Type.Optional(Type.String({ maxLength: 2000 })),
  _csrf: CsrfField,
});

export const loginRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;
  const limits = routeLimits(config);

  type FormOptions = {
    email?: string;
    error?: string;
    status?: number;
    reauth?: boolean;
    client?: SigningInFor;
    /** Signing in to link a pending identity of this provider (its registration's token is in returnTo). */
    linking?: string | null;
  };
  const formPage = (
    request: Parameters<typeof sendPage>[1],
    reply: Parameters<typeof sendPage>[2],
    returnTo: string,
    opts: FormOptions = {},
  ): PageOptions => {
    const { t } = request;
    // Signing in to link a pending external identity: every way into the account is offered but the
    // provider being linked, whose button would only come back to the same decision.
    const linking = returnTo.startsWith('/review-account/');
    const [only, ...others] = lanyard.providers.list;
    const ways = extensionsOf(app).login.map((ext) =>
      ext({ returnTo, t, locale: request.locale, except: linking ? opts.linking : null, signedIn: !!request.auth }),
    );
    return {
      title: t('login.title'),
      status: opts.status,
      main: html`${opts.client ? signingInFor(t, opts.client) : ''}
        ${opts.reauth ? notice('info', t('login.reauth')) : ''}
        ${formError(t, opts.error, opts.error === 'INVALID_CREDENTIALS' ? t('login.failed') : undefined)}
        ${linking ? notice('info', only && !others.length ? t('login.linkingHint', { provider: only.identityName(request.locale) }) : t('login.linkingHintAny')) : ''}
        ${ways}
        <form method="post" action="/login" novalidate>
          ${csrfField(lanyard, request, reply)}
          <input type="hidden" name="returnTo" value="${returnTo}" />
          ${field({ name: 'email', label: t('login.email'), type: 'email', value: opts.email, autocomplete: 'username' })}
          ${field({ name: 'password', label: t('login.password'), type: 'password', autocomplete: 'current-password' })}
          ${button(t('login.submit'), { block: true })}
        </form>
        <p><a href="/forgot">${t('login.forgot')}</a></p>
        ${
          // Someone signed in (asked to sign in again before a sensitive change) has an account.
          config.selfRegistration && !request.auth
            ? html`<p>${t('login.noAccount')} <a href="/register">${t('nav.register')}</a></p>`
            : ''
        }`,
    };
  };
  const form = (
    request: Parameters<typeof sendPage>[1],
    reply: Parameters<typeof sendPage>[2],
    returnTo: string,
    opts: FormOptions = {},
  ) => sendPage(lanyard, request, reply, formPage(request, reply, returnTo, opts));
  const defaultReturnTo = safeRedirect(undefined, config);
  /** The provider of the identity a review page in `returnTo` would link, read from its token. */
  const linkingProvider = (returnTo: string) =>
    returnTo.startsWith('/review-account/')
      ? providerOfToken(lanyard.db, returnTo.slice('/review-account/'.length).split(/[?#]/)[0]!, lanyard.clock.now())
      : Promise.resolve(null);

  app.get('/login', { schema: { querystring: LoginQuery } }, async (request, reply) => {
    // The plain sign-in page (no destination, no notice) is the same for everyone but its CSRF field.
    if (request.query.returnTo === undefined && request.query.reauth === undefined)
      return sendFixedPage(lanyard, request, reply, 'login', () => formPage(request, reply, defaultReturnTo));
    const returnTo = safeRedirect(request.query.returnTo, config);
    return form(request, reply, returnTo, {
      reauth: request.query.reauth === '1',
      client: await clientOfReturnTo(lanyard.db, returnTo),
      linking: await linkingProvider(returnTo),
    });
  });

  app.post(
    '/login',
    { schema: { body: LoginBody }, config: { ...limits.signIn, guards: ['csrf'] } },
    async (request, reply) => {
      const returnTo = safeRedirect(request.body.returnTo, config);
      const account = await signInWithPassword(lanyard, request, reply, request.body.email, request.body.password);
      if (!account)
        return form(request, reply, returnTo, {
          client: await clientOfReturnTo(lanyard.db, returnTo),
          linking: await linkingProvider(returnTo),
          email: request.body.email.slice(0, 254),
          error: 'INVALID_CREDENTIALS',
          status: 401,
        });
      return reply.redirect(returnTo, 303);
    },
  );

  app.post(
    '/logout',
    { schema: { body: Type.Object({ _csrf: CsrfField }) }, config: { guards: ['csrf'] } },
    async (request, reply) => {
      await signOut(lanyard, request, reply);
      setFlash(reply, config, { kind: 'info', key: 'flash.signedOut' });
      return reply.redirect('/login', 303);
    },
  );
};
