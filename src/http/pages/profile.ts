import { Type } from 'typebox';
import { changePassword } from '../../accounts/password-accounts.js';
import { isLanyardError } from '../../errors.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import type { Identity } from '../../db/schema.js';
import { displayNameOf } from '../../stores/accounts.js';
import { listIdentities } from '../../stores/identities.js';
import type { Route } from '../app.js';
import { requireAuth } from '../auth.js';
import { CsrfField, verifyCsrf } from '../csrf.js';
import { field, formError } from '../views/forms.js';
import { html, type SafeHtml } from '../views/html.js';
import { csrfField, sendPage } from '../views/layout.js';

const PasswordBody = Type.Object({ current: Type.String({ maxLength: 4096 }), password: Type.String({ maxLength: 4096 }), _csrf: CsrfField });

/** How each provider's identity is shown on /profile; provider modules add theirs (ORCID: iD icon + link). */
export type IdentityView = (identity: Identity, t: Translate) => SafeHtml;
export const identityViews: Record<string, IdentityView> = {
  password: (_i, t) => html`${t('profile.provider.password')}`,
};
/** Blocks added to /profile by provider modules (e.g. "Connect your ORCID iD"). */
export const profileExtensions: ((ctx: { identities: Identity[]; t: Translate; csrf: SafeHtml }) => SafeHtml)[] = [];

export const profileRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;

  const render = async (request: Parameters<typeof sendPage>[1], reply: Parameters<typeof sendPage>[2], opts: { notice?: string; error?: string; message?: string; status?: number } = {}) => {
    const { account } = requireAuth(request);
    const { t } = request;
    const identities = await listIdentities(lanyard.db, account.id);
    const hasPassword = identities.some((i) => i.provider === 'password');
    const csrf = csrfField(lanyard, request, reply);
    return sendPage(lanyard, request, reply, {
      title: t('profile.title'),
      status: opts.status,
      main: html`${opts.notice ? html`<p class="notice" role="status">${opts.notice}</p>` : ''}${formError(t, opts.error, opts.message)}
<dl>
<dt>${t('profile.name')}</dt><dd>${displayNameOf(account)}</dd>
<dt>${t('profile.email')}</dt><dd>${account.email} (${account.email_verified_at ? t('profile.verified') : t('profile.unverified')})</dd>
</dl>
<h2>${t('profile.identities')}</h2>
<ul class="identities">
${identities.map((i) => html`<li data-provider="${i.provider}">${(identityViews[i.provider] ?? ((x: Identity) => html`${x.provider}: ${x.subject}`))(i, t)}</li>`)}
</ul>
${profileExtensions.map((ext) => ext({ identities, t, csrf }))}
${hasPassword
  ? html`<h2>${t('profile.changePassword')}</h2>
<form method="post" action="/profile/password" novalidate>${csrf}
${field({ name: 'current', label: t('profile.currentPassword'), type: 'password', autocomplete: 'current-password' })}
${field({ name: 'password', label: t('profile.newPassword'), type: 'password', hint: t('register.passwordHint'), autocomplete: 'new-password' })}
<button type="submit">${t('profile.changePassword.submit')}</button></form>`
  : ''}`,
    });
  };

  app.get('/profile', async (request, reply) => {
    if (!request.auth) return reply.redirect(`/login?returnTo=${encodeURIComponent('/profile')}`);
    return render(request, reply);
  });

  app.post('/profile/password', { schema: { body: PasswordBody }, config: { rateLimit: { max: config.rateLimit.signInPerMinute, timeWindow: 60_000 } } }, async (request, reply) => {
    verifyCsrf(request, config, request.body._csrf);
    const { account, session } = requireAuth(request);
    try {
      await changePassword(lanyard, account, request.body.current, request.body.password, session.id);
    } catch (e) {
      if (!isLanyardError(e)) throw e;
      const message = e.code === 'PASSWORD_TOO_WEAK' ? request.t(`password.${String(e.details?.reason)}` as MessageKey) : e.code === 'INVALID_CREDENTIALS' ? request.t('login.failed') : undefined;
      return render(request, reply, { error: e.code, message, status: e.status });
    }
    return render(request, reply, { notice: request.t('profile.passwordChanged') });
  });
};
