import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import type { Account, Registration } from '../db/schema.js';
import { LanyardError } from '../errors.js';
import type { Lanyard } from '../lanyard.js';
import { localeOf } from './password-accounts.js';
import { canonicalEmail } from './email-address.js';
import { orcidIdInAnyForm } from './orcid-id.js';
import { isUuid } from '../stores/accounts.js';
import { recordAudit } from '../stores/audit.js';
import { revokeAccountGrants } from '../stores/oidc-payloads.js';
import { revokeAccountSessions } from '../stores/sessions.js';

/** How many accounts one search shows; a narrower query finds the rest. */
export const SEARCH_LIMIT = 50;

export interface FoundAccount {
  account: Account;
  /** The providers of its identities, in the order they were linked. */
  providers: string[];
}

/** `%`, `_` and `\` stand for themselves in a LIKE pattern. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Accounts matching one search box: part of the email (ASCII letters folded, as emails are
 * stored), part of a name (case-insensitive), an ORCID iD in any form, any provider subject or
 * identity email, or the account's id. The most recently created first, at most SEARCH_LIMIT.
 */
export async function searchAccounts(db: Db, query: string): Promise<FoundAccount[]> {
  const q = query.trim();
  if (!q) return [];
  const emailPattern = `%${likeEscape(canonicalEmail(q))}%`;
  const namePattern = `%${likeEscape(q)}%`;
  const subjects = [q, orcidIdInAnyForm(q)].filter((s): s is string => s !== null);
  const accounts = await db
    .selectFrom('account')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('email', 'like', emailPattern),
        eb('display_name', 'ilike', namePattern),
        eb(sql<string>`coalesce(given_name, '') || ' ' || coalesce(family_name, '')`, 'ilike', namePattern),
        eb(sql<string>`coalesce(family_name, '') || ', ' || coalesce(given_name, '')`, 'ilike', namePattern),
        eb(
          'id',
          'in',
          eb
            .selectFrom('identity')
            .select('account_id')
            .where((i) => i.or([i('subject', 'in', subjects), i('email', 'like', emailPattern)])),
        ),
        ...(isUuid(q) ? [eb('id', '=', q.toLowerCase())] : []),
      ]),
    )
    .orderBy('created_at', 'desc')
    .limit(SEARCH_LIMIT)
    .execute();
  if (!accounts.length) return [];
  const identities = await db
    .selectFrom('identity')
    .select(['account_id', 'provider'])
    .where(
      'account_id',
      'in',
      accounts.map((a) => a.id),
    )
    .orderBy('created_at')
    .execute();
  return accounts.map((account) => ({
    account,
    providers: identities.filter((i) => i.account_id === account.id).map((i) => i.provider),
  }));
}

/** Registrations not yet used or expired that act for the account or were started with its email. */
export async function registrationsInFlight(db: Db, account: Account, now: Date): Promise<Registration[]> {
  return db
    .selectFrom('registration')
    .selectAll()
    .where((eb) => eb.or([eb('account_id', '=', account.id), eb('email', '=', account.email)]))
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
}

export interface OperatorAction {
  actorAccountId: string;
  ip: string | null;
}

/**
 * Disables the account: it can no longer sign in, every session of it ends at once, and so does
 * everything it granted the repositories through Lanyard's OpenID provider (grants, codes, tokens,
 * provider sessions), and the owner is mailed. Refused with LAST_ADMIN when it is the last admin account that can
 * sign in (`canSignIn`: an admin disabled, or barred from signing in, administers nothing and is
 * not counted). The admins are locked for the check, so two admins disabling each other cannot
 * both succeed.
 */
export async function disableAccount(
  lanyard: Lanyard,
  accountId: string,
  by: OperatorAction,
): Promise<{ sessions: number; grants: number }> {
  return lanyard.db.transaction().execute(async (tx) => {
    const now = lanyard.clock.now();
    // The admins who can sign in, as `canSignIn` says (active and `can_log_in`).
    const admins = await tx
      .selectFrom('account')
      .select(['id'])
      .where('is_admin', '=', true)
      .where('status', '=', 'active')
      .where('can_log_in', '=', true)
      .orderBy('id')
      .forUpdate()
      .execute();
    const target = await tx
      .selectFrom('account')
      .selectAll()
      .where('id', '=', accountId)
      .forUpdate()
      .executeTakeFirst();
    if (!target) throw new LanyardError('NOT_FOUND', 'No such account.');
    if (admins.length === 1 && admins[0]!.id === target.id)
      throw new LanyardError('LAST_ADMIN', 'This is the last admin account that can sign in.');
    await tx.updateTable('account').set({ status: 'disabled', updated_at: now }).where('id', '=', target.id).execute();
    const sessions = await revokeAccountSessions(tx, target.id, now);
    const grants = await revokeAccountGrants(tx, target.id);
    await recordAudit(
      tx,
      {
        action: 'account_disabled',
        accountId: target.id,
        actorAccountId: by.actorAccountId,
        ip: by.ip,
        detail: { sessions, grants, wasDisabled: target.status === 'disabled' },
      },
      now,
    );
    // The owner hears of it at the account's address (a security notice: never held back).
    if (target.status === 'active')
      await lanyard.queueMail(tx, 'account_disabled', target.email, localeOf(target), undefined);
    return { sessions, grants };
  });
}

/**
 * Lets a disabled account sign in again. Its sessions and grants stay ended: any written while it
 * was disabled (a sign-in or a token request that passed its check just before the disable
 * committed) are ended here too, or enabling the account would bring them back to life.
 * Refused with ACCOUNT_MERGED for a duplicate merged into another account: enabled, a reset of
 * its password would make it the person's second live account beside the survivor.
 */
export async function enableAccount(db: Db, accountId: string, by: OperatorAction, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('account')
      .set({ status: 'active', updated_at: now })
      .where('id', '=', accountId)
      .where('status', '=', 'disabled')
      .where('merged_into', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows)) {
      await revokeAccountSessions(tx, accountId, now);
      await revokeAccountGrants(tx, accountId);
    } else {
      const account = await tx
        .selectFrom('account')
        .select('merged_into')
        .where('id', '=', accountId)
        .executeTakeFirst();
      if (!account) throw new LanyardError('NOT_FOUND', 'No such account.');
      if (account.merged_into)
        throw new LanyardError('ACCOUNT_MERGED', 'This account was merged into another and stays disabled.', {
          mergedInto: account.merged_into,
        });
    }
    await recordAudit(tx, { action: 'account_enabled', accountId, actorAccountId: by.actorAccountId, ip: by.ip }, now);
  });
}

/** Ends every session of the account (but `keepSessionId`, the operator's own on their own account) and its grants at the OpenID provider. */
export async function revokeSessionsAsOperator(
  db: Db,
  accountId: string,
  by: OperatorAction & { keepSessionId?: string },
  now: Date,
): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const count = await revokeAccountSessions(tx, accountId, now, by.keepSessionId);
    // With its grants at the OpenID provider (tokens a repository keeps in a browser included).
    const grants = await revokeAccountGrants(tx, accountId);
    await recordAudit(
      tx,
      {
        action: 'session_revoked',
        accountId,
        actorAccountId: by.actorAccountId,
        ip: by.ip,
        detail: { all: true, count, grants },
      },
      now,
    );
    return count;
  });
}

/**
 * Cancels a registration in flight for the account: it expires now, so its link says so and it
 * is purged with the others. NOT_FOUND when no such registration waits for this account.
 */
export async function cancelRegistration(
  db: Db,
  account: Account,
  registrationId: string,
  by: OperatorAction,
  now: Date,
): Promise<Registration> {
  if (!isUuid(registrationId)) throw new LanyardError('NOT_FOUND', 'No such registration waits for this account.');
  return db.transaction().execute(async (tx) => {
    const cancelled = await tx
      .updateTable('registration')
      .set({ expires_at: now })
      .where('id', '=', registrationId)
      .where((eb) => eb.or([eb('account_id', '=', account.id), eb('email', '=', account.email)]))
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    if (!cancelled) throw new LanyardError('NOT_FOUND', 'No such registration waits for this account.');
    await recordAudit(
      tx,
      {
        action: 'registration_cancelled',
        accountId: account.id,
        actorAccountId: by.actorAccountId,
        provider: cancelled.provider,
        ip: by.ip,
        detail: { registration: cancelled.id, type: cancelled.type },
      },
      now,
    );
    return cancelled;
  });
}
