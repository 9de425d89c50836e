import { Type } from 'typebox';
import { addPassword, changeNames, changePassword } from '../../accounts/password-accounts.js';
import { unlinkIdentity } from '../../accounts/unlink.js';
import { isLanyardError, LanyardError } from '../../errors.js';
import type { MessageKey } from '../../i18n/index.js';
import type { Account, Identity } from '../../db/schema.js';
import { listIdentities } from '../../stores/identities.js';
import { recordAudit } from '../../stores/audit.js';
import {
  type ConnectedApplication,
  connectedApplications,
  revokeConnectedApplication,
} from '../../stores/oidc-grants.js';
import { findOidcClient } from '../../stores/oidc-clients.js';
import type { Locale, Translate } from '../../i18n/index.js';
import { type ConsentScope, consentScopes } from '../../openid-provider/claims.js';
import type { Route } from '../app.js';
import { isFreshAuth, requireAuth } from '../auth.js';
import { CsrfField } from '../csrf.js';
import { routeLimits } from '../guards.js';
import { field, formError } from '../views/forms.js';
import { extensionsOf } from '../extensions.js';
import { html, type SafeHtml } from '../../lib/html.js';
import { csrfField, sendPage } from '../views/layout.js';
import { button, facts, notice, postButton } from '../views/components.js';
import { flashMailResult, setFlash } from '../flash.js';
import { requestEmailChange } from '../../accounts/email-change.js';
import { detail, when } from './account-activity.js';

const PasswordBody = Type.Object({
  current: Type.String({ maxLength: 4096 }),
  password: Type.String({ maxLength: 4096 }),
  _csrf: CsrfField,
});

export const profileRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;
  const ext = extensionsOf(app);
  ext.identityViews.password = (_i, t) => html`${t('profile.provider.password')}`;

  const render = async (
    request: Parameters<typeof sendPage>[1],
    reply: Parameters<typeof sendPage>[2],
    opts: { notice?: string; error?: string; message?: string; status?: number; email?: string } = {},
  ) => {
    const { account } = requireAuth(request);
    const { t } = request;
    const identities = await listIdentities(lanyard.db, account.id);
    const hasPassword = identities.some((i) => i.provider === 'password');
    const applications = await connectedApplications(lanyard.db, account.id, lanyard.clock.now());
    const csrf = csrfField(lanyard, request, reply);
    return sendPage(lanyard, request, reply, {
      title: t('profile.title'),
      status: opts.status,
      wide: true,
      main: html`${opts.notice ? notice('success', opts.notice) : ''}${formError(t, opts.error, opts.message)}
        ${facts([
          [t('profile.name'), nameOf(account) ?? html`<span class="muted">${t('profile.noName')}</span>`],
          [
            t('profile.email'),
            html`${account.email}
              <span class="badge${account.email_verified_at ? '' : ' muted'}"
                >${account.email_verified_at ? t('profile.verified') : t('profile.unverified')}</span
              >`,
          ],
        ])}
        <nav class="profile-nav" aria-label="${t('profile.title')}">
          <a href="/profile/sessions">${t('profile.nav.sessions')}</a>
          <a href="/profile/activity">${t('profile.nav.activity')}</a>
          ${identities.some((i) => i.provider === 'orcid') ? html`<a href="/profile/orcid">${t('profile.nav.orcid')}</a>` : ''}
        </nav>
        <h2>${t('profile.identities')}</h2>
        <ul class="list identities">
          ${identities.map(
            (i) =>
              html`<li data-provider="${i.provider}">
                <div>
                  ${(ext.identityViews[i.provider] ?? ((x: Identity) => html`${x.provider}: ${x.subject}`))(i, t, request.locale)}
                  <dl class="facts compact">
                    ${detail(t('profile.identity.linked'), when(i.created_at, request.locale))}
                    ${detail(t('profile.identity.lastUsed'), i.last_used_at ? when(i.last_used_at, request.locale) : null)}
                    ${detail(t('profile.identity.released'), released(i, t))}
                  </dl>
                </div>
                ${identities.length > 1 ? postButton(`/profile/identities/${i.id}/unlink`, csrf, t('profile.unlink'), { inline: true, weight: 'danger', ariaLabel: `${t('profile.unlink')}: ${lanyard.providers.identityName(i.provider, request.locale)}` }) : ''}
              </li>`,
          )}
        </ul>
        ${identities.length > 1 ? html`<p class="hint">${t('profile.unlinkHint')}</p>` : ''}
        ${ext.profile.map((block) => block({ identities, t, csrf, locale: request.locale }))}
        ${applications.length ? applicationsSection(applications, csrf, t, request.locale) : ''}
        <h2>${t('profile.names')}</h2>
        <form method="post" action="/profile/names" novalidate>
          ${csrf}
          ${field({ name: 'givenName', label: t('register.givenName'), value: account.given_name ?? '', autocomplete: 'given-name' })}
          ${field({ name: 'familyName', label: t('register.familyName'), value: account.family_name ?? '', autocomplete: 'family-name' })}
          ${button(t('profile.names.submit'), { weight: 'secondary' })}
        </form>
        <h2>${t('profile.emailChange')}</h2>
        <p class="hint">${t('profile.emailChange.lead', { email: account.email })}</p>
        <form method="post" action="/profile/email" novalidate>
          ${csrf}
          ${field({ name: 'email', label: t('profile.emailChange.label'), type: 'email', value: opts.email ?? '', autocomplete: 'email' })}
          ${button(t('profile.emailChange.submit'), { weight: 'secondary' })}
        </form>
        ${
          hasPassword
            ? html`<h2>${t('profile.changePassword')}</h2>
                <form method="post" action="/profile/password" novalidate>
                  ${csrf}
                  ${field({ name: 'current', label: t('profile.currentPassword'), type: 'password', autocomplete: 'current-password' })}
                  ${field({ name: 'password', label: t('profile.newPassword'), type: 'password', hint: t('register.passwordHint'), autocomplete: 'new-password' })}
                  ${button(t('profile.changePassword.submit'))}
                </form>`
            : html`<h2>${t('profile.addPassword')}</h2>
                <p class="hint">${t('profile.addPassword.lead', { email: account.email })}</p>
                <form method="post" action="/profile/password/add" novalidate>
                  ${csrf}
                  ${field({ name: 'password', label: t('profile.newPassword'), type: 'password', hint: t('register.passwordHint'), autocomplete: 'new-password' })}
                  ${button(t('profile.addPassword.submit'))}
                </form>`
        }`,
    });
  };

  app.get(
    '/profile',
    {
      schema: {
        querystring: Type.Object({
          linked: Type.Optional(Type.String({ maxLength: 20 })),
          lang: Type.Optional(Type.String({ maxLength: 10 })),
        }),
      },
    },
    async (request, reply) => {
      if (!request.auth) return reply.redirect(`/login?returnTo=${encodeURIComponent('/profile')}`);
      return render(
        request,
        reply,
        lanyard.providers.get(request.query.linked)
          ? {
              notice: request.t('flash.linked', {
                provider: lanyard.providers.identityName(request.query.linked!, request.locale),
              }),
            }
          : {},
      );
    },
  );

  const IdentityParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
  const removePage = (id: string) => `/profile/identities/${encodeURIComponent(id)}/remove`;
  /** A stale sign-in is asked to sign in again and comes back to `returnTo`, not to an error page. */
  const signInAgain = (reply: Parameters<typeof sendPage>[2], returnTo: string) =>
    reply.redirect(`/login?reauth=1&returnTo=${encodeURIComponent(returnTo)}`, 303);

  /**
   * "Remove this way to sign in?": where a person whose sign-in is too old for the removal comes back
   * after signing in again, and the removal's confirmation.
   */
  app.get('/profile/identities/:id/remove', { schema: { params: IdentityParams } }, async (request, reply) => {
    const here = removePage(request.params.id);
    if (!request.auth) return reply.redirect(`/login?returnTo=${encodeURIComponent(here)}`, 303);
    if (!isFreshAuth(lanyard, request)) return signInAgain(reply, here);
    const { t } = request;
    const identities = await listIdentities(lanyard.db, request.auth.account.id);
    const identity = identities.find((i) => i.id === request.params.id);
    if (!identity) throw new LanyardError('NOT_FOUND', 'No such sign-in method on this account.');
    if (identities.length < 2)
      throw new LanyardError('LAST_SIGN_IN_METHOD', 'This is the last way to sign in to the account.');
    const name = lanyard.providers.identityName(identity.provider, request.locale);
    const csrf = csrfField(lanyard, request, reply);
    return sendPage(lanyard, request, reply, {
      title: t('remove.title', { identity: name }),
      main: html`<p>${(ext.identityViews[identity.provider] ?? ((x: Identity) => html`${x.provider}: ${x.subject}`))(identity, t, request.locale)}</p>
        <p>${t('remove.lead', { identity: name })}</p>
        <div class="actions">
          ${postButton(`/profile/identities/${identity.id}/unlink`, csrf, t('remove.submit', { identity: name }), { weight: 'danger' })}
          <a href="/profile">${t('remove.cancel')}</a>
        </div>`,
    });
  });

  app.post(
    '/profile/identities/:id/unlink',
    {
      schema: {
        params: IdentityParams,
        body: Type.Object({ _csrf: CsrfField }),
      },
      config: {
        guards: ['csrf', 'freshSignIn'],
        reauthReturnTo: (request) => removePage((request.params as { id: string }).id),
      },
    },
    async (request, reply) => {
      const { account, session } = requireAuth(request);
      const identity = (await listIdentities(lanyard.db, account.id)).find((i) => i.id === request.params.id);
      await unlinkIdentity(lanyard, account, request.params.id, request.ip, session.id);
      if (identity)
        setFlash(reply, config, {
          kind: 'success',
          key: 'flash.identityRemoved',
          params: { provider: lanyard.providers.identityName(identity.provider, request.locale) },
        });
      return reply.redirect('/profile', 303);
    },
  );

  /**
   * Withdraws the consent given to a client (the "Connected applications" list): its grants, codes
   * and tokens go, and its next authorization request asks again. Back on /profile with a notice.
   */
  app.post(
    '/profile/applications/:clientId/revoke',
    {
      schema: {
        params: Type.Object({ clientId: Type.String({ maxLength: 100 }) }),
        body: Type.Object({ _csrf: CsrfField }),
      },
      config: { guards: ['csrf', 'signedIn'] },
    },
    async (request, reply) => {
      const { account } = requireAuth(request);
      const { clientId } = request.params;
      const client = await findOidcClient(lanyard.db, clientId);
      const revoked = client ? await revokeConnectedApplication(lanyard.db, account.id, clientId) : 0;
      if (!client || revoked === 0)
        throw new LanyardError('NOT_FOUND', 'No application with this id can sign in to this account.');
      await recordAudit(
        lanyard.db,
        {
          action: 'consent_withdrawn',
          accountId: account.id,
          actorAccountId: account.id,
          ip: request.ip,
          detail: { client: clientId, clientName: client.client_name },
        },
        lanyard.clock.now(),
      );
      setFlash(reply, config, {
        kind: 'success',
        key: 'flash.applicationRevoked',
        params: { client: client.client_name },
      });
      return reply.redirect('/profile', 303);
    },
  );

  app.post(
    '/profile/names',
    {
      schema: {
        body: Type.Object({
          givenName: Type.String({ maxLength: 200 }),
          familyName: Type.String({ maxLength: 200 }),
          _csrf: CsrfField,
        }),
      },
      config: { guards: ['csrf', 'signedIn'] },
    },
    async (request, reply) => {
      const { account } = requireAuth(request);
      await changeNames(lanyard, account, request.body, request.ip);
      setFlash(reply, config, { kind: 'success', key: 'flash.namesSaved' });
      return reply.redirect('/profile', 303);
    },
  );

  /** Step 1 of an email change: a link to the new address (src/accounts/email-change.ts); bad input stays on the page. */
  app.post(
    '/profile/email',
    {
      schema: { body: Type.Object({ email: Type.String({ maxLength: 1000 }), _csrf: CsrfField }) },
      config: { ...routeLimits(config).signIn, guards: ['csrf', 'freshSignIn'] },
    },
    async (request, reply) => {
      const { account } = requireAuth(request);
      let sent: Awaited<ReturnType<typeof requestEmailChange>>;
      try {
        sent = await requestEmailChange(lanyard, account, request.body.email, request.ip);
      } catch (e) {
        if (!isLanyardError(e) || !['INVALID_EMAIL', 'EMAIL_UNCHANGED'].includes(e.code)) throw e;
        return render(request, reply, { error: e.code, status: e.status, email: request.body.email.slice(0, 254) });
      }
      if (sent.mail.queued)
        setFlash(reply, config, { kind: 'success', key: 'flash.emailChangeSent', params: { email: sent.email } });
      else flashMailResult(reply, config, sent.mail, lanyard.clock.now());
      return reply.redirect('/profile', 303);
    },
  );

  app.post(
    '/profile/password/add',
    {
      schema: { body: Type.Object({ password: Type.String({ maxLength: 4096 }), _csrf: CsrfField }) },
      config: { ...routeLimits(config).signIn, guards: ['csrf', 'freshSignIn'] },
    },
    async (request, reply) => {
      const { account } = requireAuth(request);
      try {
        await addPassword(lanyard, account, request.body.password, request.ip);
      } catch (e) {
        if (!isLanyardError(e)) throw e;
        const message =
          e.code === 'PASSWORD_TOO_WEAK' ? request.t(`password.${String(e.details?.reason)}` as MessageKey) : undefined;
        return render(request, reply, { error: e.code, message, status: e.status });
      }
      setFlash(reply, config, { kind: 'success', key: 'flash.passwordAdded' });
      return reply.redirect('/profile', 303);
    },
  );

  app.post(
    '/profile/password',
    {
      schema: { body: PasswordBody },
      config: { ...routeLimits(config).signIn, guards: ['csrf', 'signedIn'] },
    },
    async (request, reply) => {
      const { account, session } = requireAuth(request);
      try {
        await changePassword(lanyard, account, request.body.current, request.body.password, session.id, request.ip);
      } catch (e) {
        if (!isLanyardError(e)) throw e;
        const message =
          e.code === 'PASSWORD_TOO_WEAK'
            ? request.t(`password.${String(e.details?.reason)}` as MessageKey)
            : e.code === 'INVALID_CREDENTIALS'
              ? request.t('login.failed')
              : undefined;
        return render(request, reply, { error: e.code, message, status: e.status });
      }
      return render(request, reply, { notice: request.t('profile.passwordChanged') });
    },
  );
};

/** "Connected applications": each client the person let sign them in, what it receives, a way to withdraw. */
function applicationsSection(apps: ConnectedApplication[], csrf: SafeHtml, t: Translate, locale: Locale): SafeHtml {
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  return html`<h2>${t('profile.applications')}</h2>
    <p class="hint">${t('profile.applications.lead')}</p>
    <ul class="list applications">
      ${apps.map(
        (a) =>
          html`<li data-client="${a.clientId}">
            <div>
              <strong>${a.clientName}</strong>
              <time class="muted" datetime="${a.since.toISOString()}"
                >${t('profile.applications.since', { date: date.format(a.since) })}</time
              >
              <br />${t('profile.applications.receives')}
              ${a.scopes
                .filter((s): s is ConsentScope => consentScopes.includes(s as ConsentScope))
                .map((s) => t(`oidc.consent.scope.${s}`))
                .join('; ')}
            </div>
            ${postButton(`/profile/applications/${encodeURIComponent(a.clientId)}/revoke`, csrf, t('profile.applications.revoke'), { inline: true, weight: 'danger', ariaLabel: `${t('profile.applications.revoke')}: ${a.clientName}` })}
          </li>`,
      )}
    </ul>`;
}

/** The account's own name, or null: never the email in its place (a name nobody gave is not shown). */
function nameOf(a: Account): string | null {
  return a.display_name || [a.given_name, a.family_name].filter(Boolean).join(' ') || null;
}

/** What the provider told Lanyard about the person at the last sign-in: names and email. */
function released(i: Identity, t: Translate): string | null {
  if (i.provider === 'password') return null;
  const p = i.profile ?? {};
  const name = p.displayName || [p.givenName, p.familyName].filter(Boolean).join(' ');
  const email = i.email ? `${i.email} (${i.email_verified ? t('profile.verified') : t('profile.unverified')})` : null;
  return [name, email].filter(Boolean).join(', ') || t('profile.identity.nothing');
}
