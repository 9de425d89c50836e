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
  | 'password_change'
  | 'password_reset'
  | 'registration_created'
  | 'registration_email_changed'
  | 'admin_action'
  | 'link_refused'
  | 'session_revoked'
  | 'account_disabled'
  | 'account_enabled'
  | 'registration_cancelled';

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
