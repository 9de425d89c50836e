import type { Db } from '../db/connect.js';
import type { Account } from '../db/schema.js';
import { displayNameOf } from '../stores/accounts.js';
import { listAudit } from '../stores/audit.js';
import { listIdentities } from '../stores/identities.js';

const when = (d: Date | null) => (d ? d.toISOString() : 'never');
const yesNo = (b: boolean) => (b ? 'yes' : 'no');

/** An account, its identities and its newest audit events, as lines for an operator. */
export async function describeAccount(db: Db, account: Account, auditLimit = 20): Promise<string[]> {
  const identities = await listIdentities(db, account.id);
  const events = await listAudit(db, { accountId: account.id, limit: auditLimit });
  return [
    `Account ${account.id}`,
    `  email          ${account.email} (${account.email_verified_at ? `verified ${when(account.email_verified_at)}` : 'not verified'})`,
    `  name           ${displayNameOf(account)}`,
    `  status         ${account.status}; can log in: ${yesNo(account.can_log_in)}; admin: ${yesNo(account.is_admin)}; self-registered: ${yesNo(account.self_registered)}`,
    `  locale         ${account.locale ?? '(none)'}`,
    `  created        ${when(account.created_at)}; updated ${when(account.updated_at)}`,
    '',
    `Identities (${identities.length})`,
    ...identities.map(
      (i) =>
        `  ${i.provider.padEnd(12)} ${i.provider === 'password' ? '(password)' : i.subject}` +
        `${i.email ? `  email ${i.email}${i.email_verified ? ' (verified by provider)' : ''}` : ''}  linked ${when(i.created_at)}; last used ${when(i.last_used_at)}`,
    ),
    '',
    `Recent audit events (newest first, at most ${auditLimit})`,
    ...(events.length === 0 ? ['  (none)'] : []),
    ...events.map(
      (e) =>
        `  ${when(e.at)}  ${e.action} ${e.outcome}${e.provider ? ` via ${e.provider}` : ''}${e.subject ? ` ${e.subject}` : ''}${e.ip ? ` from ${e.ip}` : ''}`,
    ),
  ];
}
