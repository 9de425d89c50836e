import { sql } from 'kysely';
import { addSeconds } from '../clock.js';
import type { Db } from '../db/connect.js';
import type { OrcidWork, OrcidWrite, OrcidWriteState } from '../db/schema.js';
import { LanyardError } from '../errors.js';
import type { WorkContent } from '../orcid-api/client.js';
import { canSignIn } from './accounts.js';

/** A work's key: whose record, which repository ('' for the researcher's own session), which `self` id. */
export interface WorkKey {
  accountId: string;
  clientId: string;
  externalIdType: string;
  /** Normalized (src/orcid-api/work.ts). */
  externalId: string;
}

const byKey = (k: WorkKey) => ({
  account_id: k.accountId,
  client_id: k.clientId,
  external_id_type: k.externalIdType,
  external_id: k.externalId,
});

export async function findWork(db: Db, k: WorkKey): Promise<OrcidWork | undefined> {
  return db
    .selectFrom('orcid_work')
    .selectAll()
    .where('account_id', '=', k.accountId)
    .where('client_id', '=', k.clientId)
    .where('external_id_type', '=', k.externalIdType)
    .where('external_id', '=', k.externalId)
    .executeTakeFirst();
}

/** The works one repository (or the researcher's session, `clientId` '') pushed for an account. */
export async function listWorks(db: Db, accountId: string, clientId: string): Promise<OrcidWork[]> {
  return db
    .selectFrom('orcid_work')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('client_id', '=', clientId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * Locks the account a write is queued for until the transaction ends, and refuses it when it may no
 * longer sign in (ACCOUNT_DISABLED). A merge locks both of its accounts before it moves the
 * duplicate's works and writes (src/accounts/merge.ts): a write queued for the duplicate while a
 * merge commits either waits for it and is refused here, or commits first and moves with the rest.
 * Unlocked, it was queued on the disabled duplicate after the merge had moved everything else, and
 * never went out. The caller's checks ran before, outside the transaction.
 */
async function lockActiveAccount(trx: Db, accountId: string): Promise<void> {
  const account = await trx
    .selectFrom('account')
    .select(['status', 'can_log_in'])
    .where('id', '=', accountId)
    .forShare()
    .executeTakeFirst();
  if (!account || !canSignIn(account))
    throw new LanyardError(
      'ACCOUNT_DISABLED',
      'The account was disabled or merged into another while the write was asked for; nothing was queued.',
    );
}

/**
 * Records what the repository wants on the record and queues the write, in one transaction: the
 * work row is created or its content replaced, and a `put` write queued behind any earlier write
 * of the same work. Returns the queued write; refused (nothing queued) for an account that was
 * disabled or merged away meanwhile.
 */
export async function queuePut(
  db: Db,
  k: WorkKey,
  externalIdValue: string,
  content: WorkContent,
  now: Date,
): Promise<OrcidWrite> {
  return db.transaction().execute(async (trx) => {
    await lockActiveAccount(trx, k.accountId);
    await trx
      .insertInto('orcid_work')
      .values({
        ...byKey(k),
        external_id_value: externalIdValue,
        content: JSON.stringify(content),
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .constraint('orcid_work_key')
          .doUpdateSet({ content: JSON.stringify(content), external_id_value: externalIdValue, updated_at: now }),
      )
      .execute();
    return trx
      .insertInto('orcid_write')
      .values({
        ...byKey(k),
        kind: 'put',
        content: JSON.stringify(content),
        state: 'queued',
        next_attempt_at: now,
        created_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** Queues the deletion of a work this repository pushed (refused as `queuePut` is). */
export async function queueDelete(db: Db, k: WorkKey, now: Date): Promise<OrcidWrite> {
  return db.transaction().execute(async (trx) => {
    await lockActiveAccount(trx, k.accountId);
    return trx
      .insertInto('orcid_write')
      .values({ ...byKey(k), kind: 'delete', content: null, state: 'queued', next_attempt_at: now, created_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** A write, only to the account (and repository, unless null = any) it belongs to. */
export async function findWrite(
  db: Db,
  id: string,
  accountId: string,
  clientId: string,
): Promise<OrcidWrite | undefined> {
  return db
    .selectFrom('orcid_write')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
}

/** The latest write of each of these works (for the state shown with a work). */
export async function latestWrites(db: Db, accountId: string, clientId: string): Promise<Map<string, OrcidWrite>> {
  const rows = await db
    .selectFrom('orcid_write')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('client_id', '=', clientId)
    .orderBy('seq')
    .execute();
  return new Map(rows.map((w) => [`${w.external_id_type}\u0000${w.external_id}`, w]));
}

/**
 * Claims due writes for `leaseSeconds`. `FOR UPDATE SKIP LOCKED` lets several Lanyard processes
 * share the queue without handing a write to two of them; a write waits while an earlier write
 * of the same work is still queued (claimed or not), so one work's writes reach ORCID in order.
 */
export async function claimDueWrites(db: Db, now: Date, limit: number, leaseSeconds: number): Promise<OrcidWrite[]> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('orcid_write as w')
      .select('w.id')
      .where('w.state', '=', 'queued')
      .where('w.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('w.claimed_until', 'is', null), eb('w.claimed_until', '<=', now)]))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('orcid_write as e')
              .select(sql`1`.as('one'))
              .where('e.state', '=', 'queued')
              .whereRef('e.account_id', '=', 'w.account_id')
              .whereRef('e.client_id', '=', 'w.client_id')
              .whereRef('e.external_id_type', '=', 'w.external_id_type')
              .whereRef('e.external_id', '=', 'w.external_id')
              .whereRef('e.seq', '<', 'w.seq'),
          ),
        ),
      )
      .orderBy('w.next_attempt_at')
      .orderBy('w.seq')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    return trx
      .updateTable('orcid_write')
      .set({ claimed_until: addSeconds(now, leaseSeconds), attempts: sql`attempts + 1` })
      .where(
        'id',
        'in',
        due.map((d) => d.id),
      )
      .where('state', '=', 'queued')
      .returningAll()
      .execute();
  });
}

export interface WriteEnd {
  state: Exclude<OrcidWriteState, 'queued'>;
  outcome?: OrcidWrite['outcome'];
  putCode?: number | null;
  errorCode?: string | null;
  errorStatus?: number | null;
  error?: string | null;
}

/** Ends a write (delivered, failed or needs_consent); `counted: false` takes back the try its claim counted. */
export async function finishWrite(
  db: Db,
  id: string,
  end: WriteEnd,
  now: Date,
  { counted = true, claimedUntil }: { counted?: boolean; claimedUntil?: Date | null } = {},
): Promise<void> {
  let update = db
    .updateTable('orcid_write')
    .set({
      ...(counted ? {} : { attempts: sql`greatest(attempts - 1, 0)` }),
      state: end.state,
      outcome: end.outcome ?? null,
      put_code: end.putCode ?? null,
      error_code: end.errorCode ?? null,
      error_status: end.errorStatus ?? null,
      last_error: end.error?.slice(0, 1000) ?? null,
      claimed_until: null,
      finished_at: now,
    })
    .where('id', '=', id);
  // Only while the claim that tried it holds it, when the caller names that claim.
  if (claimedUntil !== undefined) update = update.where('claimed_until', '=', claimedUntil);
  await update.execute();
}

/**
 * The account a write belongs to now, its row locked (FOR SHARE) until the transaction ends; null
 * when the write is gone. A merge moves the duplicate's writes and works to the survivor while it
 * holds both accounts locked, so once the owner is locked and still the write's, neither moves
 * before this transaction ends — and a merge that committed meanwhile is seen: the write is read
 * again after the lock, and the new owner locked in turn.
 */
export async function lockWriteOwner(trx: Db, writeId: string): Promise<string | null> {
  const ownerNow = async () =>
    (await trx.selectFrom('orcid_write').select('account_id').where('id', '=', writeId).executeTakeFirst())
      ?.account_id ?? null;
  let owner = await ownerNow();
  for (;;) {
    if (owner === null) return null;
    await trx.selectFrom('account').select('id').where('id', '=', owner).forShare().execute();
    const after = await ownerNow();
    if (after === owner) return owner;
    owner = after;
  }
}

/** Hands a claimed write back to the queue at once, to be claimed and decided afresh. */
export async function releaseWrite(db: Db, id: string): Promise<void> {
  await db.updateTable('orcid_write').set({ claimed_until: null }).where('id', '=', id).execute();
}

/**
 * Puts a claimed write back to wait `delaySeconds` after a failed try, with what went wrong for its
 * status. `counted: false` while ORCID is away (no answer, or 503): the try is not counted against
 * the write (ORCID was away, the write did nothing wrong). Only while the claim that tried it still
 * holds it: a try that outlasted its lease must not move a write another worker has claimed since.
 */
export async function retryWrite(
  db: Db,
  write: { id: string; claimed_until: Date | null },
  failure: { errorCode: string; errorStatus: number | null; error: string },
  delaySeconds: number,
  now: Date,
  { counted = true }: { counted?: boolean } = {},
): Promise<void> {
  await db
    .updateTable('orcid_write')
    .set({
      claimed_until: null,
      ...(counted ? {} : { attempts: sql`greatest(attempts - 1, 0)` }),
      next_attempt_at: addSeconds(now, delaySeconds),
      error_code: failure.errorCode,
      error_status: failure.errorStatus,
      last_error: failure.error.slice(0, 1000),
    })
    .where('id', '=', write.id)
    .where('state', '=', 'queued')
    .where('claimed_until', '=', write.claimed_until)
    .execute();
}

/**
 * Stops every queued write of an account (ORCID refused its token, or its ORCID iD is gone):
 * they end as needs_consent with `errorCode`, none is retried.
 */
export async function stopQueuedWrites(db: Db, accountId: string, errorCode: string, error: string, now: Date) {
  await db
    .updateTable('orcid_write')
    .set({
      state: 'needs_consent',
      error_code: errorCode,
      last_error: error.slice(0, 1000),
      claimed_until: null,
      finished_at: now,
    })
    .where('account_id', '=', accountId)
    .where('state', '=', 'queued')
    .execute();
}

/** Marks the ORCID link as needing the researcher's consent again (ORCID refused the token). */
export async function markNeedsConsent(db: Db, identityId: string, now: Date): Promise<void> {
  await db
    .updateTable('provider_token')
    .set({ needs_consent_at: now })
    .where('identity_id', '=', identityId)
    .where('needs_consent_at', 'is', null)
    .execute();
}

/** Whether the stored ORCID token of an identity is marked as refused by ORCID. */
export async function needsConsent(db: Db, identityId: string): Promise<boolean> {
  const row = await db
    .selectFrom('provider_token')
    .select('needs_consent_at')
    .where('identity_id', '=', identityId)
    .executeTakeFirst();
  return !!row?.needs_consent_at;
}

/** The put-code and iD a delivered write established for its work. */
export async function savePutCode(db: Db, k: WorkKey, orcid: string, putCode: number, now: Date): Promise<void> {
  await db
    .updateTable('orcid_work')
    .set({ orcid, put_code: putCode, updated_at: now })
    .where('account_id', '=', k.accountId)
    .where('client_id', '=', k.clientId)
    .where('external_id_type', '=', k.externalIdType)
    .where('external_id', '=', k.externalId)
    .execute();
}

export async function removeWork(db: Db, k: WorkKey): Promise<void> {
  await db
    .deleteFrom('orcid_work')
    .where('account_id', '=', k.accountId)
    .where('client_id', '=', k.clientId)
    .where('external_id_type', '=', k.externalIdType)
    .where('external_id', '=', k.externalId)
    .execute();
}

/** Whether another of the account's works (another key) holds this put-code on this iD. */
export async function putCodeHeldElsewhere(db: Db, k: WorkKey, orcid: string, putCode: number): Promise<boolean> {
  const row = await db
    .selectFrom('orcid_work')
    .select('id')
    .where('account_id', '=', k.accountId)
    .where('orcid', '=', orcid)
    .where('put_code', '=', putCode)
    .where((eb) =>
      eb.or([
        eb('client_id', '!=', k.clientId),
        eb('external_id_type', '!=', k.externalIdType),
        eb('external_id', '!=', k.externalId),
      ]),
    )
    .executeTakeFirst();
  return !!row;
}

/**
 * Whether the repository's grant at Lanyard's OpenID provider for this account still stands (the
 * researcher may have withdrawn it on /profile). The researcher's own writes ('') need none.
 */
export async function clientGrantStands(db: Db, accountId: string, clientId: string, now: Date): Promise<boolean> {
  if (clientId === '') return true;
  const row = await db
    .selectFrom('oidc_payload')
    .select('id')
    .where('model', '=', 'Grant')
    .where(sql<string>`payload->>'accountId'`, '=', accountId)
    .where(sql<string>`payload->>'clientId'`, '=', clientId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  return !!row;
}

/** Days a finished write stays readable at `/api/orcid/writes/{id}` before housekeeping deletes it. */
export const FINISHED_WRITE_DAYS = 30;

/** Deletes writes that ended (delivered, failed, needs_consent) before `before`; queued ones stay. */
export async function purgeFinishedWrites(db: Db, before: Date): Promise<number> {
  const r = await db
    .deleteFrom('orcid_write')
    .where('state', '!=', 'queued')
    .where('finished_at', '<', before)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
