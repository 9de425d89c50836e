import { Type } from 'typebox';
import type { Session } from '../../db/schema.js';
import { LanyardError } from '../../errors.js';
import type { Locale, MessageKey, Translate } from '../../i18n/index.js';
import { html, type SafeHtml } from '../../lib/html.js';
import { deviceName as deviceNameOf } from '../../lib/user-agent.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import { knownAuditActions, listAudit, recordAudit } from '../../stores/audit.js';
import { listLiveSessions, revokeAccountSessions, revokeOwnSession } from '../../stores/sessions.js';
import { revokeAccountGrants, revokeDeviceGrants } from '../../stores/oidc-payloads.js';
import type { Route } from '../app.js';
import { requireAuth, signOut } from '../auth.js';
import { CsrfField } from '../csrf.js';
import { setFlash } from '../flash.js';
import { postButton } from '../views/components.js';
import { csrfField, sendPage } from '../views/layout.js';
import { auditTable } from '../views/audit-table.js';

/** How many security events the account's activity page shows, newest first. */
const ACTIVITY_SHOWN = 50;

/**
 * The account's devices (its live sessions, each signed out on its own or all others at once) and
 * its recent security activity from the audit trail: what a person checks after a notice of a
 * sign-in they do not recognise.
 */
export const accountActivityRoutes: Route = (app, lanyard) => {
  const { config } = lanyard;

  app.get('/profile/sessions', async (request, reply) => {
    if (!request.auth) return reply.redirect(`/login?returnTo=${encodeURIComponent('/profile/sessions')}`, 303);
    const { account, session: current } = request.auth;
    const { t, locale } = request;
    const sessions = await listLiveSessions(lanyard.db, account.id, lanyard.clock.now());
    const csrf = csrfField(lanyard, request, reply);
    const others = sessions.filter((s) => s.id !== current.id);
    return sendPage(lanyard, request, reply, {
      title: t('sessions.title'),
      wide: true,
      main: html`<p>${t('sessions.lead')}</p>
        <ul class="list sessions">
          ${sessions.map((s) => {
            const device = deviceName(s, t);
            const mine = s.id === current.id;
            return html`<li data-session="${mine ? 'current' : 'other'}">
              <div>
                <strong>${device}</strong>${mine ? html`<span class="badge">${t('sessions.thisDevice')}</span>` : ''}
                <dl class="facts compact">
                  ${detail(t('sessions.how'), methodsOf(s, lanyard.providers, t, locale))}
                  ${detail(t('sessions.signedIn'), when(s.created_at, locale))}
                  ${detail(t('sessions.lastSeen'), when(s.last_seen_at ?? s.created_at, locale))}
                  ${detail(t('sessions.address'), s.ip)}
                </dl>
              </div>
              ${postButton(`/profile/sessions/${s.id}/sign-out`, csrf, t('sessions.signOut'), {
                inline: true,
                weight: mine ? 'secondary' : 'danger',
                ariaLabel: `${t('sessions.signOut')}: ${device}${mine ? ` (${t('sessions.thisDevice')})` : ''}`,
              })}
            </li>`;
          })}
        </ul>
        ${
          others.length
            ? html`<div class="actions">
              ${postButton('/profile/sessions/sign-out-others', csrf, t('sessions.signOutOthers'), { weight: 'danger' })}
            </div>`
            : html`<p class="hint">${t('sessions.onlyThis')}</p>`
        }
        <p><a href="/profile">${t('sessions.back')}</a></p>`,
    });
  });

  const SessionParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
  const CsrfBody = Type.Object({ _csrf: CsrfField });

  app.post(
    '/profile/sessions/:id/sign-out',
    { schema: { params: SessionParams, body: CsrfBody }, config: { guards: ['csrf', 'signedIn'] } },
    async (request, reply) => {
      const { account, session: current } = requireAuth(request);
      if (request.params.id === current.id) {
        await signOut(lanyard, request, reply);
        setFlash(reply, config, { kind: 'success', key: 'flash.signedOut' });
        return reply.redirect('/login', 303);
      }
      const now = lanyard.clock.now();
      const target = (await listLiveSessions(lanyard.db, account.id, now)).find((s) => s.id === request.params.id);
      // Another account's session, or one already ended, is not this account's to end: nothing happens.
      if (!target) throw new LanyardError('NOT_FOUND', 'No such session on this account.');
      await lanyard.db.transaction().execute(async (tx) => {
        if (!(await revokeOwnSession(tx, account.id, target.id, now)))
          throw new LanyardError('NOT_FOUND', 'No such session on this account.');
        // What repositories got at the OpenID provider in that browser goes with it (a browser app
        // there would otherwise go on refreshing its tokens); the other devices keep theirs.
        const grants = await revokeDeviceGrants(tx, account.id, target.id);
        await recordAudit(
          tx,
          {
            action: 'session_revoked',
            accountId: account.id,
            actorAccountId: account.id,
            ip: request.ip,
            detail: { session: target.id.slice(0, 8), grants },
          },
          now,
        );
      });
      setFlash(reply, config, {
        kind: 'success',
        key: 'flash.sessionRevoked',
        params: { device: deviceName(target, request.t) },
      });
      return reply.redirect('/profile/sessions', 303);
    },
  );

  app.post(
    '/profile/sessions/sign-out-others',
    { schema: { body: CsrfBody }, config: { guards: ['csrf', 'signedIn'] } },
    async (request, reply) => {
      const { account, session: current } = requireAuth(request);
      const now = lanyard.clock.now();
      // The grants at the OpenID provider go too, as after a password change: a repository that
      // keeps its tokens in the browser (a public client) would otherwise go on refreshing for
      // whoever signed in on the device being signed out. The person's own repositories sign them
      // in again at their next request.
      const count = await lanyard.db.transaction().execute(async (tx) => {
        const others = await revokeAccountSessions(tx, account.id, now, current.id);
        const grants = await revokeAccountGrants(tx, account.id);
        await recordAudit(
          tx,
          {
            action: 'session_revoked',
            accountId: account.id,
            actorAccountId: account.id,
            ip: request.ip,
            detail: { others, grants },
          },
          now,
        );
        return others;
      });
      setFlash(reply, config, { kind: 'success', key: 'flash.otherSessionsRevoked', params: { count } });
      return reply.redirect('/profile/sessions', 303);
    },
  );

  app.get('/profile/activity', async (request, reply) => {
    if (!request.auth) return reply.redirect(`/login?returnTo=${encodeURIComponent('/profile/activity')}`, 303);
    const { t, locale } = request;
    const events = await listAudit(lanyard.db, { accountId: request.auth.account.id, limit: ACTIVITY_SHOWN });
    return sendPage(lanyard, request, reply, {
      title: t('activity.title'),
      wide: true,
      main: html`<p>${t('activity.lead', { count: ACTIVITY_SHOWN })}</p>
        ${
          events.length
            ? auditTable(events, { t, locale, providers: lanyard.providers })
            : html`<p class="muted">${t('activity.none')}</p>`
        }
        <p><a href="/profile">${t('sessions.back')}</a></p>`,
    });
  });
};

/** The session's device ("Firefox on Linux"), named in the page's language. */
export function deviceName(s: Session, t: Translate): string {
  return deviceNameOf(s.user_agent, t);
}

/** The ways a session signed in (its `amr`), named as the sign-in page names them. */
export function methodsOf(s: Session, providers: ProviderRegistry, t: Translate, locale: Locale): string {
  const names = s.amr
    .split(' ')
    .filter(Boolean)
    .map((m) => {
      if (m === 'pwd') return providers.identityName('password', locale);
      if (m === 'mfa') return t('sessions.mfa');
      const byId = providers.get(m) ?? providers.list.find((p) => p.type === m);
      return byId ? byId.identityName(locale) : null;
    })
    .filter((n): n is string => n !== null);
  return [...new Set(names)].join(', ');
}

export function detail(label: string, value: SafeHtml | string | null): SafeHtml | '' {
  return value ? html`<dt>${label}</dt><dd>${value}</dd>` : '';
}

/**
 * A moment as people read it in `locale`, in UTC (the server does not know the person's zone), in
 * a fixed-width <time> so lists line up whatever the date.
 */
export function when(at: Date, locale: Locale): SafeHtml {
  const text = new Intl.DateTimeFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(at);
  return html`<time class="when" datetime="${at.toISOString()}">${text} UTC</time>`;
}

export const actionKey = (action: string): MessageKey =>
  (knownActions.has(action) ? `activity.action.${action}` : 'activity.action.other') as MessageKey;

const knownActions = new Set<string>(knownAuditActions);
