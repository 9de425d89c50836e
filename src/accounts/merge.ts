import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import type { Account } from '../db/schema.js';
import { LanyardError } from '../errors.js';
import { renderMail } from '../mail/templates.js';
import { canSignIn, isUuid } from '../stores/accounts.js';
import { recordAudit } from '../stores/audit.js';
import { enqueueMail } from '../stores/outbox.js';
import { revokeAccountGrants } from '../stores/oidc-payloads.js';
import { revokeAccountSessions } from '../stores/sessions.js';
import { localeOf } from './password-accounts.js';

export interface MergeInput {
  survivorId: string;
  duplicateId: string;
  /** The operator who merges (audited as actor); null from the command line. */
  actorAccountId: string | null;
  /** Who acted when no account did: the command line names itself and the OS user (`cli:alice`). */
  actor?: string;
  ip?: string | null;
  /** Only compute what would move; change nothing. */
  dryRun?: boolean;
}

/** What a merge moves, ends and keeps: the preview an operator confirms, and afterwards the result. */
export interface MergePreview {
  survivor: Pick<Account, 'id' | 'email' | 'given_name' | 'family_name' | 'display_name' | 'is_admin'>;
  duplicate: Pick<Account, 'id' | 'email' | 'given_name' | 'family_name' | 'display_name' | 'is_admin' | 'status'>;
  /** The duplicate's identities, each moving to the survivor with its sealed provider tokens. */
  identities: { id: string; provider: string; subject: string; issuer: string | null; providerTokens: boolean }[];
  /** The duplicate's grants at Lanyard's OpenID provider (by client): revoked, not moved. */
  grants: { id: string; clientId: string }[];
  /** The survivor becomes an admin because the duplicate was one. */
  becomesAdmin: boolean;
  /** The duplicate's live sessions: ended. */
  sessions: number;
  /** The duplicate's registrations in flight: cancelled. */
  registrations: { id: string; type: string; provider: string | null }[];
  /**
   * The works repositories put on an ORCID record through the duplicate: they follow its iD to the
   * survivor with their put-codes, so the next push of the same work updates it, never duplicates it.
   */
  works: number;
  /**
   * The duplicate's writes to ORCID still queued: all move to the survivor with the works (so a
   * repository that asks again reads each one's end at its status URL). `writes.ended` of them were
   * asked for by a repository through a grant the merge revokes: they end as `needs_consent`
   * (`GRANT_WITHDRAWN`) at the merge; the researcher's own stay queued and go out through the iD.
   */
  writes: { queued: number; ended: number };
  dryRun: boolean;
}

const accountColumns = [
  'id',
  'email',
  'email_verified_at',
  'given_name',
  'family_name',
  'display_name',
  'is_admin',
  'status',
  'can_log_in',
] as const;

/**
 * Merges the duplicate account into the survivor, in one transaction (docs/pages.md, "Merging
 * duplicates"): every identity of the duplicate moves to the survivor (its sealed provider tokens
 * follow it, they hang on the identity), the survivor becomes an admin if the duplicate was one,
 * and the survivor keeps its own email and names. The duplicate ends disabled, with no identity,
 * its sessions, OpenID-provider grants and registrations in flight ended; it is kept, so its audit
 * trail stays readable. An audit event `accounts_merged` on both accounts (`merge` already names taking
 * a sign-in's details on review), a notice mailed to both addresses.
 *
 * Refused, with nothing changed: unknown account (NOT_FOUND), the same account twice
 * (MERGE_SAME_ACCOUNT), a survivor disabled or barred from signing in (MERGE_SURVIVOR_DISABLED), both holding an identity of
 * one provider (MERGE_SAME_PROVIDER), a duplicate with nothing left to move (MERGE_NOTHING_TO_MOVE:
 * the second of two concurrent merges of a pair). Both account rows are locked, the lower id first,
 * so concurrent merges of the same pair (either way round) run one after the other.
 */
export async function mergeAccounts(db: Db, publicUrl: string, input: MergeInput, now: Date): Promise<MergePreview> {
  const { survivorId, duplicateId } = input;
  if (!isUuid(survivorId) || !isUuid(duplicateId)) throw new LanyardError('NOT_FOUND', 'No such account.');
  if (survivorId.toLowerCase() === duplicateId.toLowerCase())
    throw new LanyardError('MERGE_SAME_ACCOUNT', 'An account cannot be merged into itself.');
  return db.transaction().execute(async (tx) => {
    const locked = await tx
      .selectFrom('account')
      .select(accountColumns)
      .where('id', 'in', [survivorId, duplicateId])
      .orderBy('id')
      .forUpdate()
      .execute();
    const survivor = locked.find((a) => a.id === survivorId.toLowerCase());
    const duplicate = locked.find((a) => a.id === duplicateId.toLowerCase());
    if (!survivor || !duplicate) throw new LanyardError('NOT_FOUND', 'No such account.');
    // Disabled, or barred from signing in: the duplicate's ways in (and an admin role) would go to
    // an account nobody can sign in to.
    if (!canSignIn(survivor))
      throw new LanyardError('MERGE_SURVIVOR_DISABLED', 'The account to merge into is disabled or cannot sign in.');
    // As for every link: identities never go to an account whose own address nobody proved (it may
    // have been made with someone else's).
    if (!survivor.email_verified_at)
      throw new LanyardError(
        'ACCOUNT_EMAIL_UNVERIFIED',
        'The account to merge into has an unverified email address; verify it first.',
      );

    const identities = await tx
      .selectFrom('identity')
      .leftJoin('provider_token', 'provider_token.identity_id', 'identity.id')
      .select([
        'identity.id',
        'identity.account_id',
        'identity.provider',
        'identity.subject',
        'identity.issuer',
        'provider_token.identity_id as token_of',
      ])
      .where('identity.account_id', 'in', [survivor.id, duplicate.id])
      .orderBy('identity.created_at')
      .execute();
    const moving = identities.filter((i) => i.account_id === duplicate.id);
    const kept = new Set(identities.filter((i) => i.account_id === survivor.id).map((i) => i.provider));
    const clash = moving.filter((i) => kept.has(i.provider)).map((i) => i.provider);
    if (clash.length)
      throw new LanyardError('MERGE_SAME_PROVIDER', 'Both accounts hold an identity of the same provider.', {
        providers: clash,
      });
    if (!moving.length)
      throw new LanyardError('MERGE_NOTHING_TO_MOVE', 'The duplicate holds no way to sign in any more.');

    const grants = await tx
      .selectFrom('oidc_payload')
      .select(['id', sql<string>`payload->>'clientId'`.as('clientId')])
      .where('model', '=', 'Grant')
      .where(sql<string>`payload->>'accountId'`, '=', duplicate.id)
      .orderBy('id')
      .execute();
    const { n: sessions } = await tx
      .selectFrom('session')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', duplicate.id)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    const inFlight = tx
      .selectFrom('registration')
      .where((eb) => eb.or([eb('account_id', '=', duplicate.id), eb('email', '=', duplicate.email)]))
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now);
    const registrations = await inFlight.select(['id', 'type', 'provider']).orderBy('id').execute();
    const { n: works } = await tx
      .selectFrom('orcid_work')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', duplicate.id)
      .executeTakeFirstOrThrow();
    const queuedWrites = await tx
      .selectFrom('orcid_write')
      .select('client_id')
      .where('account_id', '=', duplicate.id)
      .where('state', '=', 'queued')
      .execute();

    const preview: MergePreview = {
      survivor: { ...survivor },
      duplicate: { ...duplicate },
      identities: moving.map((i) => ({
        id: i.id,
        provider: i.provider,
        subject: i.subject,
        issuer: i.issuer,
        providerTokens: i.token_of !== null,
      })),
      grants,
      becomesAdmin: duplicate.is_admin && !survivor.is_admin,
      sessions: Number(sessions),
      registrations,
      works: Number(works),
      writes: { queued: queuedWrites.length, ended: queuedWrites.filter((w) => w.client_id !== '').length },
      dryRun: input.dryRun === true,
    };
    if (input.dryRun) return preview;

    await tx.updateTable('identity').set({ account_id: survivor.id }).where('account_id', '=', duplicate.id).execute();
    // A password identity's subject is its account's id (src/stores/identities.ts setPasswordHash).
    await tx
      .updateTable('identity')
      .set({ subject: survivor.id })
      .where('account_id', '=', survivor.id)
      .where('provider', '=', 'password')
      .execute();
    if (preview.works) await moveWorks(tx, survivor.id, duplicate.id, now);
    await moveWrites(tx, survivor.id, duplicate.id, now);
    if (preview.becomesAdmin)
      await tx.updateTable('account').set({ is_admin: true, updated_at: now }).where('id', '=', survivor.id).execute();
    await tx
      .updateTable('account')
      .set({ status: 'disabled', is_admin: false, merged_into: survivor.id, updated_at: now })
      .where('id', '=', duplicate.id)
      .execute();
    await revokeAccountSessions(tx, duplicate.id, now);
    await revokeAccountGrants(tx, duplicate.id);
    if (registrations.length)
      await tx
        .updateTable('registration')
        .set({ expires_at: now })
        .where(
          'id',
          'in',
          registrations.map((r) => r.id),
        )
        .execute();

    const detail = {
      survivor: survivor.id,
      duplicate: duplicate.id,
      identities: moving.map((i) => i.provider),
      grants: grants.length,
      sessions: preview.sessions,
      registrations: registrations.length,
      works: preview.works,
      writes: preview.writes,
      becomesAdmin: preview.becomesAdmin,
      ...(input.actor ? { by: input.actor } : {}),
    };
    for (const accountId of [survivor.id, duplicate.id])
      await recordAudit(
        tx,
        { action: 'accounts_merged', accountId, actorAccountId: input.actorAccountId, ip: input.ip, detail },
        now,
      );
    const full = await tx.selectFrom('account').selectAll().where('id', 'in', [survivor.id, duplicate.id]).execute();
    for (const account of full)
      await enqueueMail(
        tx,
        renderMail('account_merged', account.email, localeOf(account), {
          survivor: survivor.email,
          duplicate: duplicate.email,
          profileLink: `${publicUrl}/profile`,
        }),
        now,
      );
    return preview;
  });
}

/**
 * The duplicate's works (each a repository's work on an ORCID record, with the put-code ORCID gave
 * it) move to the survivor, which now holds the iD they were put on: the repository's next push of
 * a work updates it on the record instead of creating it a second time. Where the survivor has a row
 * for the same work (the same repository and external id, left from an iD it no longer holds), the
 * row whose put-code is on an iD the survivor holds now wins; otherwise the survivor's row stays and
 * the duplicate's stays behind on the disabled account. Runs after the identities moved.
 */
async function moveWorks(tx: Db, survivorId: string, duplicateId: string, now: Date): Promise<void> {
  const sameWork = sql`s.client_id = d.client_id and s.external_id_type = d.external_id_type and s.external_id = d.external_id`;
  const held = sql`(select subject from identity where account_id = ${survivorId})`;
  await sql`delete from orcid_work s using orcid_work d
    where s.account_id = ${survivorId} and d.account_id = ${duplicateId} and ${sameWork}
      and d.orcid in ${held} and (s.orcid is null or s.orcid not in ${held})`.execute(tx);
  await sql`update orcid_work d set account_id = ${survivorId}, updated_at = ${now}
    where d.account_id = ${duplicateId}
      and not exists (select 1 from orcid_work s where s.account_id = ${survivorId} and ${sameWork})`.execute(tx);
}

/**
 * The duplicate's writes to ORCID (queued and finished) move to the survivor, which now holds the
 * iD and the works they were asked for: a repository that asks the researcher again reads each
 * write's end at its status URL, and none is left queued on a disabled account. A queued write a
 * repository asked for went with the duplicate's grant, which the merge revokes (the repository was
 * never allowed to see the survivor): it ends here, as the worker would end it, `needs_consent` with
 * `GRANT_WITHDRAWN`, and the repository pushes again for the survivor (an update, the put-code moved
 * with the work). The researcher's own queued writes (client '') need no grant: they stay queued
 * and go out through the moved iD.
 */
async function moveWrites(tx: Db, survivorId: string, duplicateId: string, now: Date): Promise<void> {
  await tx
    .updateTable('orcid_write')
    .set({
      state: 'needs_consent',
      error_code: 'GRANT_WITHDRAWN',
      last_error: 'The account was merged into another; this repository’s access to it ended with the merge.',
      claimed_until: null,
      finished_at: now,
    })
    .where('account_id', '=', duplicateId)
    .where('state', '=', 'queued')
    .where('client_id', '!=', '')
    .execute();
  await tx.updateTable('orcid_write').set({ account_id: survivorId }).where('account_id', '=', duplicateId).execute();
}
