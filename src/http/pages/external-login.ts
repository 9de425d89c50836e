import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { parseEmail } from '../../accounts/email-address.js';
import {
  canCreateFrom,
  changeRegistrationEmail,
  createAccountFromRegistration,
  repeatOf,
} from '../../broker/registrations.js';
import type { Registration } from '../../db/schema.js';
import { isLanyardError } from '../../errors.js';
import type { MessageKey } from '../../i18n/index.js';
import { checkRegistrationToken, fromOriginBrowser } from '../../stores/registrations.js';
import type { Route } from '../app.js';
import { sessionContext, setSessionCookie } from '../auth.js';
import { routeLimits } from '../guards.js';
import { confirmBox, field, formError } from '../views/forms.js';
import { bindBrowser, browserHashOf } from '../browser-binding.js';
import { html } from '../../lib/html.js';
import { loginThen, safeRedirect } from '../redirects.js';
import { CsrfField } from '../csrf.js';
import { csrfField, sendPage } from '../views/layout.js';
import { flashMailResult, setFlash } from '../flash.js';
import {
  button,
  type Choice,
  choices,
  facts,
  linkButton,
  notice,
  postButton,
  signingInFor,
} from '../views/components.js';
import { clientOfReturnTo } from '../../openid-provider/interaction-client.js';
import { startProof } from './providers.js';

const TokenParams = Type.Object({ token: Type.String({ maxLength: 200 }) });
const CreateBody = Type.Object({ _csrf: CsrfField, confirm: Type.Optional(Type.Literal('yes')) });
const ProveBody = Type.Object({ _csrf: CsrfField });
const EmailBody = Type.Object({ email: Type.String({ maxLength: 1000 }), _csrf: CsrfField });

/**
 * /external-login/:token — DSpace's route for a first sign-in that needs a decision (docs/design.md §3
 * cases 4, 5, 7): shows the authenticated iD and names, then offers what applies: create the account
 * with the proven email, enter an email (a link is mailed), or sign in to link an existing account.
 */
export const externalLoginRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;
  const limits = routeLimits(config);
  const check = (request: FastifyRequest, token: string) =>
    checkRegistrationToken(lanyard.db, token, {
      types: ['EXTERNAL'],
      now: lanyard.clock.now(),
      browser: browserHashOf(lanyard, request),
    });

  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    reg: Registration,
    opts: { error?: string; email?: string; status?: number } = {},
  ) => {
    const { t } = request;
    const p = reg.profile;
    const provider = lanyard.providers.get(reg.provider);
    const who = {
      provider: provider?.label(request.locale) ?? reg.provider ?? '',
      identity: lanyard.providers.identityName(reg.provider, request.locale),
    };
    const name = p.displayName || [p.givenName, p.familyName].filter(Boolean).join(' ');
    const canCreate = await canCreateFrom(lanyard, lanyard.db, reg);
    const reason = reg.email ? 'email_unknown' : (p.reason ?? 'no_email');
    const csrf = csrfField(lanyard, request, reply);
    const linkExisting = `/login?returnTo=${encodeURIComponent(`/review-account/${token}`)}`;
    // A mailed link proves the mailbox only: the owner confirms the iD is theirs before an account
    // is made for it, and linking into a signed-in account stays with the sign-in's own browser.
    const idUrl = lanyard.providers.identifier(reg.provider, reg.subject, p.issuer);
    const createAction = reg.mailed
      ? html`<form method="post" action="/external-login/${token}/create">
          ${csrf}${confirmBox(t('external.confirm', { ...who, id: idUrl, email: reg.email ?? '' }))}${button(t('external.create'))}
        </form>`
      : postButton(`/external-login/${token}/create`, csrf, t('external.create'));
    const fromOrigin = fromOriginBrowser(reg, browserHashOf(lanyard, request));
    // The repository this sign-in goes on to, from the registration's stored return-to (as the
    // sign-in started it) and that authorization request: nothing in this page's URL names it.
    const client = reg.return_to ? await clientOfReturnTo(lanyard.db, reg.return_to) : undefined;
    const emailForm = html`<form method="post" action="/external-login/${token}/email" novalidate>
      ${csrf}
      ${field({ name: 'email', label: t('external.emailLabel'), type: 'email', value: opts.email, autocomplete: 'email', hint: t('external.emailHint', who), error: opts.error === 'INVALID_EMAIL' ? t('error.INVALID_EMAIL') : undefined })}
      ${button(t('external.sendLink'), { weight: canCreate && reg.email ? 'secondary' : 'primary' })}
    </form>`;
    // A mailed link in a browser that has not signed in with its identity: only the proof sign-in
    // (the mailbox alone may be somebody else's, reached through a mistyped address).
    const proof: Choice = {
      id: 'prove',
      weight: 'primary',
      heading: t('external.prove.title'),
      body: t('external.prove.body', { ...who, id: idUrl, email: reg.email ?? '' }),
      action: postButton(`/external-login/${token}/prove`, csrf, t('external.prove.button', who)),
    };
    const proving = reg.mailed && !fromOrigin;
    // Else the recommended way is the primary card: create the account when the proven email is new
    // here, else give an email; signing in to an existing account is always the alternative.
    const options: Choice[] = proving
      ? [proof]
      : [
          ...(canCreate && reg.email
            ? [
                {
                  id: 'create',
                  weight: 'primary' as const,
                  heading: t('external.create'),
                  body: html`<p>
                ${t('external.email_unknown', { email: reg.email })} ${t('external.createHint', { email: reg.email })}
              </p>`,
                  action: createAction,
                },
              ]
            : []),
          {
            id: 'email',
            weight: canCreate && reg.email ? 'secondary' : 'primary',
            heading: reg.email ? t('external.otherEmail') : t('external.needEmail.title'),
            body: t(`external.needEmail.${reason}` as MessageKey, who),
            action: emailForm,
          },
          ...(fromOrigin
            ? [
                {
                  id: 'existing',
                  weight: 'secondary' as const,
                  heading: t('external.linkExisting'),
                  body: t('external.linkExistingHint', who),
                  action: linkButton(linkExisting, t('external.linkExisting'), { weight: 'secondary' }),
                },
              ]
            : []),
        ];
    return sendPage(lanyard, request, reply, {
      title: t('external.title', who),
      status: opts.status,
      wide: true,
      main: html`${client ? signingInFor(t, client, 'firstSignIn') : ''}${formError(t, opts.error)}
        <section aria-labelledby="who">
          <h2 id="who" class="subtle">${t(proving ? 'external.prove.whose' : 'external.authenticated', who)}</h2>
          ${facts([
            [who.identity, lanyard.providers.identityView(reg.provider, reg.subject, p.issuer, request.locale)],
            [t('external.name'), name],
            [t('external.email'), reg.email],
          ])}
        </section>
        ${!config.selfRegistration ? html`<div data-self-registration="off">${notice('info', t('external.noCreate', who))}</div>` : ''}
        ${choices(options)}`,
    });
  };

  app.get(
    '/external-login/:token',
    { schema: { params: TokenParams }, config: limits.token },
    async (request, reply) => {
      const reg = await check(request, request.params.token);
      return render(request, reply, request.params.token, reg);
    },
  );

  app.post(
    '/external-login/:token/create',
    { schema: { params: TokenParams, body: CreateBody }, config: { ...limits.token, guards: ['csrf'] } },
    async (request, reply) => {
      const browser = browserHashOf(lanyard, request);
      let created: Awaited<ReturnType<typeof createAccountFromRegistration>>;
      try {
        created = await createAccountFromRegistration(lanyard, request.params.token, sessionContext(request), {
          browser,
          confirmed: request.body.confirm === 'yes',
          locale: request.locale,
        });
      } catch (e) {
        // A double click: the second request finds the token used by the first, which created the
        // account; it is told so (signed in if the first one's cookie arrived, else to sign in).
        const repeat = isConsumed(e) ? await repeatOf(lanyard, request.params.token, browser) : null;
        if (repeat?.kind !== 'created') throw e;
        const next = safeRedirect(repeat.returnTo, config);
        if (request.auth?.account.id === repeat.accountId) return reply.redirect(next, 303);
        setFlash(reply, config, { kind: 'success', key: 'flash.accountCreatedSignIn' });
        return reply.redirect(loginThen(next), 303);
      }
      const { cookie, returnTo } = created;
      // Where the sign-in was going (a repository's authorization request, say) — else /profile.
      const next = safeRedirect(returnTo, config);
      // Only a browser that proved the identity gets this far, and is signed in. Should a change
      // ever let another one through, it is not signed in: the person signs in to the new account.
      if (!cookie) {
        setFlash(reply, config, { kind: 'success', key: 'flash.accountCreatedSignIn' });
        return reply.redirect(loginThen(next), 303);
      }
      setSessionCookie(lanyard, reply, cookie);
      setFlash(reply, config, { kind: 'success', key: 'flash.accountCreated' });
      return reply.redirect(next, 303);
    },
  );

  // A mailed link opened in another browser: sign in with its provider here first (startProof).
  app.post(
    '/external-login/:token/prove',
    { schema: { params: TokenParams, body: ProveBody }, config: { ...limits.token, guards: ['csrf'] } },
    async (request, reply) => {
      const { token } = request.params;
      return startProof(lanyard, request, reply, await check(request, token), `/external-login/${token}`);
    },
  );

  app.post(
    '/external-login/:token/email',
    { schema: { params: TokenParams, body: EmailBody }, config: { ...limits.token, guards: ['csrf'] } },
    async (request, reply) => {
      const { token } = request.params;
      let email: string;
      try {
        email = parseEmail(request.body.email);
      } catch (e) {
        const reg = await check(request, token);
        return render(request, reply, token, reg, {
          error: isLanyardError(e) ? e.code : 'INVALID_EMAIL',
          email: request.body.email.slice(0, 254),
          status: 400,
        });
      }
      const browser = browserHashOf(lanyard, request);
      let sent: Awaited<ReturnType<typeof changeRegistrationEmail>>;
      try {
        sent = await changeRegistrationEmail(lanyard, token, email, request.locale, { browser });
      } catch (e) {
        // A double click on "Send the link": the first request sent it.
        if (isConsumed(e) && (await repeatOf(lanyard, token, browser))?.kind === 'mailed')
          return reply.redirect('/email-confirmation', 303);
        throw e;
      }
      // The browser cookie lives as long as the link this browser just had sent may.
      if (browser) bindBrowser(lanyard, request, reply);
      // Name the address typed, so a typo is seen now rather than after an hour's wait for a mail.
      if (sent.queued) setFlash(reply, config, { kind: 'info', key: 'flash.linkSentTo', params: { email } });
      else flashMailResult(reply, config, sent, lanyard.clock.now());
      return reply.redirect('/email-confirmation', 303);
    },
  );
};

const isConsumed = (e: unknown) => isLanyardError(e) && e.code === 'TOKEN_CONSUMED';
