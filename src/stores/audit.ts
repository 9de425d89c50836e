import type { Db } from '../db/connect.js';
import type { AuditEvent } from '../db/schema.js';

export type AuditAction =
  | 'sign_in'
  | 'sign_out'
  | 'sign_in_throttled'
  | 'register'
  | 'link'
  | 'unlink'
  | 'merge'
  | 'email_change'
  | 'email_change_requested'
  | 'names_change'
  | 'consent_granted'
  | 'consent_withdrawn'
  | 'password_change'
  | 'password_reset'
  | 'registration_created'
  | 'registration_email_changed'
  | 'admin_action'
  | 'link_refused'
  | 'session_revoked'
  | 'account_disabled'
  | 'account_enabled'
  | 'registration_cancelled'
  | 'registration_resent'
  | 'registration_proved'
  | 'accounts_merged'
  | 'orcid_work_pushed'
  | 'orcid_work_deleted'
  | 'orcid_access_granted'
  | 'orcid_access_withdrawn';

export interface AuditInput {
  action: AuditAction;
  outcome?: 'success' | 'failure';
  accountId?: string | null;
  actorAccountId?: string | null;
  provider?: string | null;
  subject?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown>;
}

/** The audit row for `e` (also written by statements that do more in the same round trip). */
export const auditRow = (e: AuditInput, now: Date) => ({
  at: now,
  action: e.action,
  outcome: e.outcome ?? 'success',
  account_id: e.accountId ?? null,
  actor_account_id: e.actorAccountId ?? null,
  provider: e.provider ?? null,
  subject: e.subject ?? null,
  ip: e.ip ?? null,
  detail: JSON.stringify(e.detail ?? {}),
});

export async function recordAudit(db: Db, e: AuditInput, now: Date): Promise<void> {
  await db.insertInto('audit_event').values(auditRow(e, now)).execute();
}

export async function listAudit(db: Db, filter: { accountId?: string; limit: number }): Promise<AuditEvent[]> {
  let q = db.selectFrom('audit_event').selectAll().orderBy('at', 'desc').limit(filter.limit);
  if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
  return q.execute();
}

/** Every event type the application writes, for filters and their labels (the compiler keeps it complete). */
const everyAction: Record<AuditAction, true> = {
  sign_in: true,
  sign_out: true,
  sign_in_throttled: true,
  register: true,
  link: true,
  unlink: true,
  merge: true,
  email_change: true,
  email_change_requested: true,
  names_change: true,
  consent_granted: true,
  consent_withdrawn: true,
  password_change: true,
  password_reset: true,
  registration_created: true,
  registration_email_changed: true,
  admin_action: true,
  link_refused: true,
  session_revoked: true,
  account_disabled: true,
  account_enabled: true,
  registration_cancelled: true,
  registration_resent: true,
  registration_proved: true,
  accounts_merged: true,
  orcid_work_pushed: true,
  orcid_work_deleted: true,
  orcid_access_granted: true,
  orcid_access_withdrawn: true,
};
export const knownAuditActions = Object.keys(everyAction) as readonly AuditAction[];

export interface AuditFilter {
  accountId?: string;
  action?: string;
  provider?: string;
  ip?: string;
  /** From this moment on (inclusive)… */
  from?: Date;
  /** …and before this one. */
  before?: Date;
}

/** Events matching every given filter, newest first, at most `limit`. */
export async function queryAudit(db: Db, f: AuditFilter, limit: number): Promise<AuditEvent[]> {
  let q = db.selectFrom('audit_event').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(limit);
  if (f.accountId)
    q = q.where((eb) => eb.or([eb('account_id', '=', f.accountId!), eb('actor_account_id', '=', f.accountId!)]));
  if (f.action) q = q.where('action', '=', f.action);
  if (f.provider) q = q.where('provider', '=', f.provider);
  if (f.ip) q = q.where('ip', '=', f.ip);
  if (f.from) q = q.where('at', '>=', f.from);
  if (f.before) q = q.where('at', '<', f.before);
  return q.execute();
}

/** Deletes audit events older than `before` (retention; the only deletion the trail allows). */
export async function purgeAuditBefore(db: Db, before: Date): Promise<number> {
  const r = await db.deleteFrom('audit_event').where('at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
