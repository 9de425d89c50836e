import type { AuditEvent } from '../../db/schema.js';
import type { Locale, Translate } from '../../i18n/index.js';
import { html, type SafeHtml } from '../../lib/html.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import { actionKey, when } from '../pages/account-activity.js';

/**
 * Audit events as a table, newest first — the person's own activity page, an account's page in the
 * operators' console and the operators' audit trail. The person sees "by an operator" as a badge;
 * operators get the account and the actor as links (`accountHref`).
 */
export function auditTable(
  events: AuditEvent[],
  o: {
    t: Translate;
    locale: Locale;
    providers: ProviderRegistry;
    labelledBy?: string;
    /** Operators' views: link the account (when `withAccount`) and the acting operator. */
    accountHref?: (id: string) => string;
    withAccount?: boolean;
  },
): SafeHtml {
  const { t, locale } = o;
  const byOperator = (e: AuditEvent) => e.actor_account_id !== null && e.actor_account_id !== e.account_id;
  return html`<table class="activity" ${o.labelledBy ? html`aria-labelledby="${o.labelledBy}"` : ''}>
    <thead>
      <tr>
        <th scope="col">${t('activity.when')}</th>
        <th scope="col">${t('activity.what')}</th>
        ${o.withAccount ? html`<th scope="col">${t('admin.auditTrail.accountColumn')}</th>` : ''}
        <th scope="col">${t('activity.method')}</th>
        <th scope="col">${t('activity.address')}</th>
        ${o.accountHref ? html`<th scope="col">${t('admin.audit.by')}</th>` : ''}
      </tr>
    </thead>
    <tbody>
      ${events.map(
        (e) =>
          html`<tr data-action="${e.action}">
            <td>${when(e.at, locale)}</td>
            <td>
              ${t(actionKey(e.action))}${
                e.outcome === 'failure' ? html` <span class="badge warn">${t('activity.refused')}</span>` : ''
              }${!o.accountHref && byOperator(e) ? html` <span class="badge muted">${t('activity.byOperator')}</span>` : ''}${consentOf(e)}
            </td>
            ${
              o.withAccount
                ? html`<td>
                  ${e.account_id && o.accountHref ? html`<a href="${o.accountHref(e.account_id)}"><code>${e.account_id.slice(0, 8)}</code></a>` : ''}
                </td>`
                : ''
            }
            <td class="method">${e.provider ? o.providers.identityName(e.provider, locale) : ''}</td>
            <td>${e.ip ?? ''}</td>
            ${
              o.accountHref
                ? html`<td>
                  ${byOperator(e) ? html`<a href="${o.accountHref(e.actor_account_id!)}">${t('admin.audit.operator')}</a>` : typeof e.detail.by === 'string' ? html`<code>${e.detail.by}</code>` : ''}
                </td>`
                : ''
            }
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/**
 * Which application a consent event concerns (its name when the event was written: a client removed
 * since is still named), and the scopes a grant gained, as the authorization request named them.
 */
function consentOf(e: AuditEvent): SafeHtml | '' {
  if (e.action !== 'consent_granted' && e.action !== 'consent_withdrawn') return '';
  const { client, clientName, scopes } = e.detail as { client?: unknown; clientName?: unknown; scopes?: unknown };
  const name = typeof clientName === 'string' ? clientName : typeof client === 'string' ? client : undefined;
  if (name === undefined) return '';
  const granted = Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [];
  return html`<br /><span class="muted">${name}</span>${granted.length ? html` <code>${granted.join(' ')}</code>` : ''}`;
}
