import { Type } from 'typebox';
import {
  cancelRegistration,
  disableAccount,
  enableAccount,
  registrationsInFlight,
  revokeSessionsAsOperator,
  SEARCH_LIMIT,
  searchAccounts,
} from '../../accounts/operators.js';
import { mergeAccounts, type MergePreview } from '../../accounts/merge.js';
import { canResend, resendRegistration } from '../../accounts/resend-registration.js';
import { minutesUntil } from '../../mail/limit.js';
import { canonicalEmail } from '../../accounts/email-address.js';
import type { Account } from '../../db/schema.js';
import { LanyardError } from '../../errors.js';
import type { Translate } from '../../i18n/index.js';
import { html, type SafeHtml } from '../../lib/html.js';
import { displayNameOf, findAccountByEmail, findAccountById, isUuid } from '../../stores/accounts.js';
import { listAudit } from '../../stores/audit.js';
import { listIdentities } from '../../stores/identities.js';
import { listLiveSessions } from '../../stores/sessions.js';
import type { Route } from '../app.js';
import { requireAuth } from '../auth.js';
import { CsrfField } from '../csrf.js';
import { setFlash } from '../flash.js';
import { facts, postButton } from '../views/components.js';
import { csrfField, sendPage } from '../views/layout.js';
import { auditTable } from '../views/audit-table.js';
import { actionKey, detail, deviceName, methodsOf, when } from './account-activity.js';

/** How many of an account's audit events its page shows, newest first. */
const AUDIT_SHOWN = 100;

const accountPath = (id: string) => `/admin/accounts/${id}`;

/**
 * The operators' console: find an account by email, name, ORCID iD or any provider subject, see
 * what opens it (identities, live sessions, registrations in flight) and what happened to it (its
 * audit trail), and disable, enable or sign it out everywhere. Every route needs the admin role
 * (the `admin` guard); every form also CSRF and a recent sign-in, and is audited with the
 * operator as actor.
 */
export const adminRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;

  const SearchQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })) });

  app.get('/admin', { schema: { querystring: SearchQuery }, config: { guards: ['admin'] } }, async (request, reply) => {
    const { t, locale } = request;
    const q = request.query.q?.trim() ?? '';
    const found = q ? await searchAccounts(lanyard.db, q) : null;
    return sendPage(lanyard, request, reply, {
      title: t('admin.title'),
      wide: true,
      main: html`<p>
          <a href="/admin/audit">${t('admin.auditTrail.link')}</a> ·
          <a href="/admin/duplicates">${t('admin.duplicates.link')}</a> ·
          <a href="/admin/clients">${t('admin.clients.link')}</a>
        </p>
        <form method="get" action="/admin" role="search" class="admin-search">
          <label for="f-q">${t('admin.search.label')}</label>
          <p class="hint" id="f-q-hint">${t('admin.search.hint')}</p>
          <input id="f-q" name="q" type="search" value="${q}" aria-describedby="f-q-hint" autocomplete="off" />
          <div class="actions"><button type="submit">${t('admin.search.button')}</button></div>
        </form>
        ${
          found === null
            ? ''
            : found.length === 0
              ? html`<p class="muted" role="status">${t('admin.search.none', { q })}</p>`
              : html`<h2 id="results">${t('admin.search.results', {
                  count: found.length,
                  limit: SEARCH_LIMIT,
                  capped: found.length >= SEARCH_LIMIT ? 'yes' : 'no',
                })}</h2>
                  <table aria-labelledby="results" class="admin-results">
                    <thead>
                      <tr>
                        <th scope="col">${t('admin.col.name')}</th>
                        <th scope="col">${t('admin.col.email')}</th>
                        <th scope="col">${t('admin.col.waysIn')}</th>
                        <th scope="col">${t('admin.col.state')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${found.map(
                        ({ account, providers }) =>
                          html`<tr data-account="${account.id}">
                            <td><a href="${accountPath(account.id)}">${displayNameOf(account)}</a></td>
                            <td>${account.email}</td>
                            <td>${providers.map((p) => lanyard.providers.identityName(p, locale)).join(', ')}</td>
                            <td>${state(account, t)}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>`
        }`,
    });
  });

  const AccountParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

  app.get(
    '/admin/accounts/:id',
    { schema: { params: AccountParams }, config: { guards: ['admin'] } },
    async (request, reply) => {
      const { t, locale } = request;
      const account = await findAccountById(lanyard.db, request.params.id);
      if (!account) throw new LanyardError('NOT_FOUND', 'No such account.');
      const now = lanyard.clock.now();
      const [identities, sessions, registrations, events, survivor] = await Promise.all([
        listIdentities(lanyard.db, account.id),
        listLiveSessions(lanyard.db, account.id, now),
        registrationsInFlight(lanyard.db, account, now),
        listAudit(lanyard.db, { accountId: account.id, limit: AUDIT_SHOWN }),
        account.merged_into ? findAccountById(lanyard.db, account.merged_into) : undefined,
      ]);
      const survivorLink = survivor && html`<a href="${accountPath(survivor.id)}">${survivor.email}</a>`;
      const csrf = csrfField(lanyard, request, reply);
      const path = accountPath(account.id);
      const active = account.status === 'active';
      return sendPage(lanyard, request, reply, {
        title: displayNameOf(account),
        wide: true,
        main: html`<p><a href="/admin">${t('admin.back')}</a></p>
          ${facts([
            [t('admin.col.email'), account.email],
            [t('admin.col.state'), state(account, t)],
            [t('admin.account.mergedInto'), survivorLink],
            [
              t('admin.account.emailVerified'),
              account.email_verified_at ? when(account.email_verified_at, locale) : t('admin.no'),
            ],
            [t('admin.account.created'), when(account.created_at, locale)],
            [t('admin.account.id'), html`<code>${account.id}</code>`],
          ])}

          <h2>${t('admin.account.actions')}</h2>
          <div class="actions">
            ${
              active
                ? postButton(`${path}/disable`, csrf, t('admin.disable'), { weight: 'danger' })
                : survivor
                  ? ''
                  : postButton(`${path}/enable`, csrf, t('admin.enable'))
            }
            ${sessions.length ? postButton(`${path}/sign-out-everywhere`, csrf, t('admin.signOutEverywhere'), { weight: 'secondary' }) : ''}
          </div>
          <p class="hint" ${survivor ? html`data-merged-into="${survivor.id}"` : ''}>
            ${survivor ? t('admin.account.mergedHint') : t('admin.disableHint')}
          </p>
          ${
            active
              ? html`<form method="get" action="${path}/merge" class="admin-merge">
                  <h2><label for="f-duplicate">${t('admin.merge.heading')}</label></h2>
                  <p class="hint" id="f-duplicate-hint">${t('admin.merge.label')}. ${t('admin.merge.hint')}</p>
                  <input id="f-duplicate" name="duplicate" type="text" required maxlength="320" aria-describedby="f-duplicate-hint" autocomplete="off" />
                  <div class="actions"><button type="submit" class="secondary">${t('admin.merge.previewButton')}</button></div>
                </form>`
              : ''
          }

          <h2>${t('admin.account.identities')}</h2>
          ${
            identities.length
              ? html`<ul class="list">
                  ${identities.map(
                    (i) =>
                      html`<li data-identity="${i.provider}">
                        <div>
                          <strong>${lanyard.providers.identityName(i.provider, locale)}</strong>
                          <dl class="facts compact">
                            ${detail(t('admin.identity.subject'), i.provider === 'password' ? '' : lanyard.providers.identityView(i.provider, i.subject, i.issuer, locale))}
                            ${detail(t('admin.col.email'), i.email)}
                            ${detail(t('admin.identity.linked'), when(i.created_at, locale))}
                            ${detail(t('admin.identity.lastUsed'), i.last_used_at ? when(i.last_used_at, locale) : null)}
                          </dl>
                        </div>
                      </li>`,
                  )}
                </ul>`
              : html`<p class="muted">${t('admin.account.noIdentities')}</p>`
          }

          <h2>${t('admin.account.sessions')}</h2>
          ${
            sessions.length
              ? html`<ul class="list">
                  ${sessions.map(
                    (s) =>
                      html`<li data-session="${s.id.slice(0, 8)}">
                        <div>
                          <strong>${deviceName(s, t)}</strong>
                          <dl class="facts compact">
                            ${detail(t('sessions.how'), methodsOf(s, lanyard.providers, t, locale))}
                            ${detail(t('sessions.signedIn'), when(s.created_at, locale))}
                            ${detail(t('sessions.lastSeen'), when(s.last_seen_at ?? s.created_at, locale))}
                            ${detail(t('sessions.address'), s.ip)}
                          </dl>
                        </div>
                      </li>`,
                  )}
                </ul>`
              : html`<p class="muted">${t('admin.account.noSessions')}</p>`
          }

          <h2>${t('admin.account.registrations')}</h2>
          ${
            registrations.length
              ? html`<ul class="list">
                  ${registrations.map(
                    (r) =>
                      html`<li data-registration="${r.type}">
                        <div>
                          <strong><code>${r.type}</code></strong>
                          <dl class="facts compact">
                            ${detail(t('admin.col.email'), r.email)}
                            ${detail(t('admin.registration.provider'), r.provider ? lanyard.providers.identityName(r.provider, locale) : null)}
                            ${detail(t('admin.registration.started'), when(r.created_at, locale))}
                            ${detail(t('admin.registration.expires'), when(r.expires_at, locale))}
                          </dl>
                        </div>
                        <div class="actions">
                          ${
                            canResend(r)
                              ? postButton(
                                  `${path}/registrations/${r.id}/resend`,
                                  csrf,
                                  t('admin.registration.resend'),
                                  {
                                    inline: true,
                                    weight: 'secondary',
                                    ariaLabel: `${t('admin.registration.resend')}: ${r.type} (${r.email})`,
                                  },
                                )
                              : ''
                          }
                          ${postButton(`${path}/registrations/${r.id}/cancel`, csrf, t('admin.registration.cancel'), {
                            inline: true,
                            weight: 'secondary',
                            ariaLabel: `${t('admin.registration.cancel')}: ${r.type}${r.email ? ` (${r.email})` : ''}`,
                          })}
                        </div>
                      </li>`,
                  )}
                </ul>
                ${registrations.some(canResend) ? html`<p class="hint">${t('admin.registration.resendHint')}</p>` : ''}`
              : html`<p class="muted">${t('admin.account.noRegistrations')}</p>`
          }

          <h2 id="audit">${t('admin.account.audit', { count: AUDIT_SHOWN })}</h2>
          ${
            events.length
              ? auditTable(events, {
                  t,
                  locale,
                  providers: lanyard.providers,
                  labelledBy: 'audit',
                  accountHref: accountPath,
                })
              : html`<p class="muted">${t('activity.none')}</p>`
          }`,
      });
    },
  );

  const CsrfBody = Type.Object({ _csrf: CsrfField });
  const action = {
    schema: { params: AccountParams, body: CsrfBody },
    config: {
      guards: ['csrf', 'admin', 'freshSignIn'] as const,
      reauthReturnTo: (request: { params: unknown }) => accountPath((request.params as { id: string }).id),
    },
  };

  /** The account an operator acts on, or NOT_FOUND before anything changes. */
  const target = async (id: string): Promise<Account> => {
    const account = await findAccountById(lanyard.db, id);
    if (!account) throw new LanyardError('NOT_FOUND', 'No such account.');
    return account;
  };

  app.post('/admin/accounts/:id/disable', action, async (request, reply) => {
    const { account: operator } = requireAuth(request);
    const account = await target(request.params.id);
    const { sessions } = await disableAccount(lanyard, account.id, { actorAccountId: operator.id, ip: request.ip });
    setFlash(reply, config, {
      kind: 'success',
      key: 'flash.admin.disabled',
      params: { email: account.email, count: sessions },
    });
    // An operator who disabled their own account is signed out with it.
    return reply.redirect(account.id === operator.id ? '/login' : accountPath(account.id), 303);
  });

  const RegistrationParams = Type.Object({
    id: Type.String({ maxLength: 64 }),
    registration: Type.String({ maxLength: 64 }),
  });

  app.post(
    '/admin/accounts/:id/registrations/:registration/cancel',
    { ...action, schema: { params: RegistrationParams, body: CsrfBody } },
    async (request, reply) => {
      const { account: operator } = requireAuth(request);
      const account = await target(request.params.id);
      const cancelled = await cancelRegistration(
        lanyard.db,
        account,
        request.params.registration,
        { actorAccountId: operator.id, ip: request.ip },
        lanyard.clock.now(),
      );
      setFlash(reply, config, {
        kind: 'success',
        key: 'flash.admin.registrationCancelled',
        params: { type: cancelled.type, email: account.email },
      });
      return reply.redirect(accountPath(account.id), 303);
    },
  );

  app.post(
    '/admin/accounts/:id/registrations/:registration/resend',
    { ...action, schema: { params: RegistrationParams, body: CsrfBody } },
    async (request, reply) => {
      const { account: operator } = requireAuth(request);
      const account = await target(request.params.id);
      const { registration, mail } = await resendRegistration(lanyard, account, request.params.registration, {
        actorAccountId: operator.id,
        ip: request.ip,
      });
      setFlash(
        reply,
        config,
        mail.queued
          ? {
              kind: 'success',
              key: 'flash.admin.registrationResent',
              params: { type: registration.type, email: registration.email ?? '' },
            }
          : {
              kind: 'warning',
              key: 'flash.admin.registrationHeldBack',
              params: {
                email: registration.email ?? '',
                max: config.rateLimit.mailPerHourPerAddress,
                minutes: minutesUntil(mail.retryAt, lanyard.clock.now()),
              },
            },
      );
      return reply.redirect(accountPath(account.id), 303);
    },
  );

  const MergeQuery = Type.Object({ duplicate: Type.String({ minLength: 1, maxLength: 320 }) });
  const MergeBody = Type.Object({ _csrf: CsrfField, duplicate: Type.String({ minLength: 1, maxLength: 64 }) });

  /** The duplicate named by id or email; NOT_FOUND before anything changes. */
  const duplicateOf = async (input: string): Promise<Account> => {
    const q = input.trim();
    const account = isUuid(q)
      ? await findAccountById(lanyard.db, q)
      : await findAccountByEmail(lanyard.db, canonicalEmail(q));
    if (!account) throw new LanyardError('NOT_FOUND', 'No such account.');
    return account;
  };

  // The preview: the merge run as a dry run (same locks and refusals), then one confirmation.
  app.get(
    '/admin/accounts/:id/merge',
    { schema: { params: AccountParams, querystring: MergeQuery }, config: { guards: ['admin'] } },
    async (request, reply) => {
      const { t, locale } = request;
      const survivor = await target(request.params.id);
      const duplicate = await duplicateOf(request.query.duplicate);
      const { account: operator } = requireAuth(request);
      const p = await mergeAccounts(
        lanyard.db,
        config.publicUrl,
        { survivorId: survivor.id, duplicateId: duplicate.id, actorAccountId: operator.id, dryRun: true },
        lanyard.clock.now(),
      );
      const csrf = csrfField(lanyard, request, reply);
      // The shown name and the given and family names, each once: a shown name that only repeats
      // them (as a provider's usually does) is not printed twice.
      const names = (a: MergePreview['survivor']) => {
        const full = [a.given_name, a.family_name].filter(Boolean).join(' ');
        const same = (x: string, y: string) =>
          x.replace(/\s+/g, ' ').trim().toLowerCase() === y.replace(/\s+/g, ' ').trim().toLowerCase();
        const shown = a.display_name && !same(a.display_name, full) ? a.display_name : '';
        return [shown, full].filter(Boolean).join(' / ') || '—';
      };
      const who = { survivor: p.survivor.email, duplicate: p.duplicate.email };
      return sendPage(lanyard, request, reply, {
        title: t('admin.merge.title', who),
        wide: true,
        main: html`<p>${t('admin.merge.intro')}</p>
          <h2>${t('admin.merge.identities', who)}</h2>
          <ul class="list">
            ${p.identities.map(
              (i) =>
                html`<li data-identity="${i.provider}">
                  <div>
                    <strong>${lanyard.providers.identityName(i.provider, locale)}</strong>
                    ${i.provider === 'password' ? '' : html` ${lanyard.providers.identityView(i.provider, i.subject, i.issuer, locale)}`}
                    ${i.providerTokens ? html`<span class="muted">(${t('admin.merge.tokens')})</span>` : ''}
                  </div>
                </li>`,
            )}
          </ul>
          <h2>${t('admin.merge.details')}</h2>
          <ul>
            <li>${t('admin.merge.keeps', { ...who, names: names(p.survivor) })}</li>
            <li>${t('admin.merge.stays', { ...who, names: names(p.duplicate) })}</li>
            ${p.becomesAdmin ? html`<li>${t('admin.merge.admin', who)}</li>` : ''}
          </ul>
          <h2>${t('admin.merge.ends')}</h2>
          <ul data-merge="ends">
            <li>${t('admin.merge.disabled', who)}</li>
            <li>${t('admin.merge.sessions', { ...who, count: p.sessions })}</li>
            <li>${t('admin.merge.grants', { ...who, count: p.grants.length, clients: p.grants.map((g) => g.clientId).join(', ') })}</li>
            <li>${t('admin.merge.registrations', { ...who, count: p.registrations.length })}</li>
          </ul>
          ${p.works ? html`<p data-merge="works">${t('admin.merge.works', { ...who, count: p.works })}</p>` : ''}
          ${
            p.writes.queued
              ? html`<p data-merge="writes">
                ${t('admin.merge.writes', {
                  ...who,
                  count: p.writes.queued,
                  ended: p.writes.ended,
                  rest: p.writes.queued - p.writes.ended,
                })}
              </p>`
              : ''
          }
          <p class="hint" data-merge="sub">${t('admin.merge.sub', who)}</p>
          <div class="actions">
            ${postButton(`${accountPath(survivor.id)}/merge`, csrf, t('admin.merge.confirm'), {
              weight: 'danger',
              hidden: { duplicate: duplicate.id },
            })}
            <a href="${accountPath(survivor.id)}">${t('admin.merge.back')}</a>
          </div>`,
      });
    },
  );

  app.post(
    '/admin/accounts/:id/merge',
    {
      schema: { params: AccountParams, body: MergeBody },
      config: {
        ...action.config,
        // Back to the preview after signing in again: nothing has changed yet, the operator confirms there.
        reauthReturnTo: (request: { params: unknown; body: unknown }) => {
          const { id } = request.params as { id: string };
          const duplicate = (request.body as { duplicate?: unknown } | undefined)?.duplicate;
          return isUuid(id) && typeof duplicate === 'string' && isUuid(duplicate)
            ? `${accountPath(id)}/merge?duplicate=${duplicate}`
            : accountPath(id);
        },
      },
    },
    async (request, reply) => {
      const { account: operator } = requireAuth(request);
      const survivor = await target(request.params.id);
      const merged = await mergeAccounts(
        lanyard.db,
        config.publicUrl,
        { survivorId: survivor.id, duplicateId: request.body.duplicate, actorAccountId: operator.id, ip: request.ip },
        lanyard.clock.now(),
      );
      lanyard.outbox.kick();
      setFlash(reply, config, {
        kind: 'success',
        key: 'flash.admin.merged',
        params: { duplicate: merged.duplicate.email, count: merged.identities.length },
      });
      return reply.redirect(accountPath(survivor.id), 303);
    },
  );

  app.post('/admin/accounts/:id/enable', action, async (request, reply) => {
    const { account: operator } = requireAuth(request);
    const account = await target(request.params.id);
    await enableAccount(lanyard.db, account.id, { actorAccountId: operator.id, ip: request.ip }, lanyard.clock.now());
    setFlash(reply, config, { kind: 'success', key: 'flash.admin.enabled', params: { email: account.email } });
    return reply.redirect(accountPath(account.id), 303);
  });

  app.post('/admin/accounts/:id/sign-out-everywhere', action, async (request, reply) => {
    const { account: operator, session } = requireAuth(request);
    const account = await target(request.params.id);
    const count = await revokeSessionsAsOperator(
      lanyard.db,
      account.id,
      {
        actorAccountId: operator.id,
        ip: request.ip,
        ...(account.id === operator.id ? { keepSessionId: session.id } : {}),
      },
      lanyard.clock.now(),
    );
    setFlash(reply, config, {
      kind: 'success',
      key: 'flash.admin.sessionsRevoked',
      params: { email: account.email, count },
    });
    return reply.redirect(accountPath(account.id), 303);
  });
};

/** "Active", "Disabled", "Merged", "May not sign in", with "admin" marked. */
function state(account: Account, t: Translate): SafeHtml {
  const main =
    account.status !== 'active'
      ? html`<span class="badge warn">${t(account.merged_into ? 'admin.state.merged' : 'admin.state.disabled')}</span>`
      : account.can_log_in
        ? html`${t('admin.state.active')}`
        : html`<span class="badge warn">${t('admin.state.noSignIn')}</span>`;
  return html`${main}${account.is_admin ? html`<span class="badge muted">${t('admin.state.admin')}</span>` : ''}`;
}
