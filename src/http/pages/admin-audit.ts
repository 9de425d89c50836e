import { Type } from 'typebox';
import type { AuditEvent } from '../../db/schema.js';
import { LanyardError } from '../../errors.js';
import { html } from '../../lib/html.js';
import { findAccountByEmail, isUuid } from '../../stores/accounts.js';
import { type AuditFilter, knownAuditActions, queryAudit, recordAudit } from '../../stores/audit.js';
import type { Route } from '../app.js';
import { requireAuth } from '../auth.js';
import { sendPage } from '../views/layout.js';
import { formError } from '../views/forms.js';
import { actionKey } from './account-activity.js';
import { auditTable } from '../views/audit-table.js';

/** How many events the page shows; an export carries up to EXPORT_LIMIT. */
const SHOWN = 200;
const EXPORT_LIMIT = 100_000;

const AuditQuery = Type.Object({
  account: Type.Optional(Type.String({ maxLength: 320 })),
  action: Type.Optional(Type.String({ maxLength: 40 })),
  provider: Type.Optional(Type.String({ maxLength: 100 })),
  ip: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(Type.String({ maxLength: 40 })),
  to: Type.Optional(Type.String({ maxLength: 40 })),
  format: Type.Optional(Type.Union([Type.Literal('html'), Type.Literal('csv'), Type.Literal('jsonl')])),
});

/**
 * The years a day may name. Before 1000 is a typo (and year 0 no year to PostgreSQL); after 9999,
 * JavaScript writes a date as `+010000-…`, which PostgreSQL refuses.
 */
const FIRST_YEAR = 1000;
const LAST_YEAR = 9999;

/**
 * A day as an operator types it: `YYYY-MM-DD`, or `DD.MM.YYYY` as German writes it. The separator
 * tells the order, so both are read whatever the page's language. Only days the calendar has, in
 * the years FIRST_YEAR to LAST_YEAR (built with setUTCFullYear: `Date.UTC` reads 0026 as 1926).
 * Plain text fields rather than `type=date`: Chromium draws a date field in the order of the
 * browser's own language (mm/dd/yyyy in an English browser on a German page), not the page's.
 */
export function parseDay(value: string): Date | undefined {
  const v = value.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(v);
  const dotted = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(v);
  const [y, m, d] = (iso ? [iso[1], iso[2], iso[3]] : dotted ? [dotted[3], dotted[2], dotted[1]] : []).map(Number);
  if (y === undefined || m === undefined || d === undefined) return undefined;
  if (y < FIRST_YEAR || y > LAST_YEAR) return undefined;
  const day = new Date(0);
  day.setUTCFullYear(y, m - 1, d);
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d ? day : undefined;
}

/**
 * The end of a `to` day: the next midnight. None after the last day there is (31.12.9999): the
 * next midnight is in a year PostgreSQL is not given, and no event is later anyway.
 */
function endOfDay(day: Date): Date | undefined {
  const next = new Date(day.getTime() + 86_400_000);
  return next.getUTCFullYear() > LAST_YEAR ? undefined : next;
}

/**
 * The operators' audit trail: every event, filtered by account (id or email), event type,
 * provider, address and day range, newest first; exported with the same filters as CSV or JSON
 * lines. Exports are themselves audited. A bad filter is a 400 naming it, never a guess.
 */
export const adminAuditRoutes: Route = (app, lanyard) => {
  app.get(
    '/admin/audit',
    { schema: { querystring: AuditQuery }, config: { guards: ['admin'] } },
    async (request, reply) => {
      const { t, locale } = request;
      const q = request.query;
      const filter: AuditFilter = {};
      const account = q.account?.trim();
      if (account) {
        const byEmail = account.includes('@') ? await findAccountByEmail(lanyard.db, account) : undefined;
        // An address nobody uses matches nothing (not every event): an impossible id filters it.
        filter.accountId = byEmail?.id ?? (account.includes('@') ? '00000000-0000-0000-0000-000000000000' : account);
      }
      if (q.action) {
        if (!knownAuditActions.includes(q.action as never))
          throw new LanyardError('VALIDATION_FAILED', `Unknown event type "${q.action}".`, { field: 'action' });
        filter.action = q.action;
      }
      if (q.provider?.trim()) filter.provider = q.provider.trim();
      if (q.ip?.trim()) filter.ip = q.ip.trim();
      if (filter.accountId !== undefined && !isUuid(filter.accountId))
        throw new LanyardError('VALIDATION_FAILED', 'The account is an account id or an email address.', {
          field: 'account',
        });
      const badDays = new Set<'from' | 'to'>();
      for (const [field, value] of [
        ['from', q.from],
        ['to', q.to],
      ] as const) {
        if (!value?.trim()) continue;
        const day = parseDay(value);
        if (!day) badDays.add(field);
        else if (field === 'from') filter.from = day;
        else filter.before = endOfDay(day);
      }

      const format = q.format ?? 'html';
      // A day that is not one: nothing is listed or exported (never a guess at what was meant).
      if (badDays.size && format !== 'html')
        throw new LanyardError(
          'INVALID_DAY',
          `A day is written as YYYY-MM-DD or DD.MM.YYYY, a year from ${FIRST_YEAR} to ${LAST_YEAR}.`,
          { field: [...badDays].join(' ') },
        );
      if (format !== 'html') {
        const events = await queryAudit(lanyard.db, filter, EXPORT_LIMIT);
        const operator = requireAuth(request).account;
        await recordAudit(
          lanyard.db,
          {
            action: 'admin_action',
            accountId: null,
            actorAccountId: operator.id,
            ip: request.ip,
            detail: { export: format, rows: events.length, filter: { ...q, format: undefined } },
          },
          lanyard.clock.now(),
        );
        const day = lanyard.clock.now().toISOString().slice(0, 10);
        reply
          .header(
            'content-disposition',
            `attachment; filename="lanyard-audit-${day}.${format === 'csv' ? 'csv' : 'jsonl'}"`,
          )
          .header('cache-control', 'no-store');
        return format === 'csv'
          ? reply.type('text/csv; charset=utf-8').send(toCsv(events))
          : reply
              .type('application/x-ndjson; charset=utf-8')
              .send(events.map((e) => JSON.stringify(exported(e))).join('\n') + '\n');
      }

      const events = badDays.size ? [] : await queryAudit(lanyard.db, filter, SHOWN);
      const exportLink = (f: 'csv' | 'jsonl') => {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(q)) if (v && k !== 'format') params.set(k, String(v));
        params.set('format', f);
        return `/admin/audit?${params}`;
      };
      const input = (name: keyof typeof q, label: string, error?: string) =>
        html`<div class="field">
        <label for="f-${name}">${label}</label>
        ${error ? html`<p class="field-error" id="f-${name}-error">${error}</p>` : ''}
        <input
          id="f-${name}"
          name="${name}"
          type="text"
          value="${q[name] ?? ''}"
          ${error ? html`aria-invalid="true" aria-describedby="f-${name}-error"` : ''}
        />
      </div>`;
      const dayInput = (name: 'from' | 'to', label: string) =>
        input(name, label, badDays.has(name) ? t('error.INVALID_DAY') : undefined);
      return sendPage(lanyard, request, reply, {
        title: t('admin.auditTrail.title'),
        wide: true,
        status: badDays.size ? 400 : undefined,
        main: html`<p><a href="/admin">${t('admin.backToConsole')}</a></p>
        ${badDays.size ? formError(t, 'INVALID_DAY', t('admin.auditTrail.badDays')) : ''}
        <form method="get" action="/admin/audit" class="audit-filter" novalidate>
          ${input('account', t('admin.auditTrail.account'))}
          <div class="field">
            <label for="f-action">${t('admin.auditTrail.action')}</label>
            <select id="f-action" name="action">
              <option value="">${t('admin.auditTrail.anyAction')}</option>
              ${knownAuditActions.map(
                (a) => html`<option value="${a}" ${q.action === a ? html`selected` : ''}>${t(actionKey(a))}</option>`,
              )}
            </select>
          </div>
          ${input('provider', t('admin.auditTrail.provider'))} ${input('ip', t('admin.auditTrail.ip'))}
          ${dayInput('from', t('admin.auditTrail.from'))} ${dayInput('to', t('admin.auditTrail.to'))}
          <div class="actions"><button type="submit">${t('admin.auditTrail.filter')}</button></div>
        </form>
        ${
          badDays.size
            ? ''
            : html`<p class="hint">
                ${t('admin.auditTrail.shown', { count: events.length, max: SHOWN })}
                <a href="${exportLink('csv')}">${t('admin.auditTrail.csv')}</a>
                · <a href="${exportLink('jsonl')}">${t('admin.auditTrail.jsonl')}</a>
              </p>`
        }
        ${
          badDays.size
            ? ''
            : events.length
              ? auditTable(events, {
                  t,
                  locale,
                  providers: lanyard.providers,
                  withAccount: true,
                  accountHref: (id) => `/admin/accounts/${id}`,
                })
              : html`<p class="muted" role="status">${t('admin.auditTrail.none')}</p>`
        }`,
      });
    },
  );
};

/** One event as exported: every column, the detail as an object. */
function exported(e: AuditEvent) {
  return {
    at: e.at.toISOString(),
    action: e.action,
    outcome: e.outcome,
    account_id: e.account_id,
    actor_account_id: e.actor_account_id,
    provider: e.provider,
    subject: e.subject,
    ip: e.ip,
    detail: typeof e.detail === 'string' ? JSON.parse(e.detail) : e.detail,
  };
}

/**
 * RFC 4180 CSV. A cell that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
 * carriage return — a subject or a detail an outsider chose) is prefixed with an apostrophe.
 */
export function toCsv(events: AuditEvent[]): string {
  const columns = ['at', 'action', 'outcome', 'account_id', 'actor_account_id', 'provider', 'subject', 'ip', 'detail'];
  const cell = (v: unknown) => {
    let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = events.map((e) => {
    const x = exported(e) as Record<string, unknown>;
    return columns.map((c) => cell(x[c])).join(',');
  });
  return [columns.join(','), ...rows].join('\r\n') + '\r\n';
}
