import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { Db } from '../db/connect.js';
import type { OrcidWrite } from '../db/schema.js';
import { Outage, PollingWorker } from '../lib/polling-worker.js';
import { recordAudit } from '../stores/audit.js';
import {
  claimDueWrites,
  clientGrantStands,
  findWork,
  finishWrite,
  lockWriteOwner,
  markNeedsConsent,
  needsConsent,
  putCodeHeldElsewhere,
  releaseWrite,
  removeWork,
  retryWrite,
  savePutCode,
  stopQueuedWrites,
  type WorkKey,
  type WriteEnd,
} from '../stores/orcid-works.js';
import { type OrcidApi, OrcidApiError, orcidApiFor, orcidIdentityOf, type WorkContent } from './client.js';
import { carriesSelfId } from './work.js';
import { forgetRecord } from './record.js';

export interface OrcidWriteWorkerOptions {
  db: Db;
  clock: Clock;
  config: Config;
  log: Logger;
  pollMs?: number;
  /** After this many tries ORCID being unavailable ends the write as failed (kept for the repository to see). */
  maxAttempts?: number;
  leaseSeconds?: number;
}

/** The longest wait between two tries, whatever ORCID's Retry-After asks. */
export const MAX_BACKOFF_SECONDS = 3600;
/** Seconds before the next try after `attempts` tries: 5 s doubling, at most an hour. */
export const backoffSeconds = (attempts: number) => Math.min(MAX_BACKOFF_SECONDS, 5 * 2 ** Math.max(0, attempts - 1));

/** While ORCID is away (no answer, or a 503), a write tried waits at least this long before it is due again. */
const AWAY_RETRY_SECONDS = 60;
/**
 * The answer that says ORCID is not there rather than that the write failed: 503, "unavailable",
 * its maintenance page and its rate limiter. Taken as silence is: a maintenance window of some
 * hours, answered 503 throughout, gives up no write. A 502 or 504 is not: a gateway's answer may
 * belong to one request (a record too slow to read), and a write ORCID alone fails must still be
 * given up after its tries, not hold the work's later writes for days.
 */
const AWAY_STATUS = 503;
/**
 * A write is given up on when ORCID has been away (no answer, or 503) this long, and it was asked
 * for at least this long ago: three days of outage, not three days of the write's age — a write
 * that waited days for another reason (Lanyard itself was down) is not lost to the next brief
 * maintenance window of ORCID's. The outage is this process's: one restarted during an outage
 * counts its three days afresh, and one that tried ORCID last more than two hours ago (another
 * process took the writes meanwhile, and may have heard ORCID) begins a new one.
 */
const AWAY_GIVE_UP_MS = 3 * 24 * 3600_000;
/** An outage this process last saw longer ago than this may have ended elsewhere. */
const AWAY_STALE_MS = 2 * MAX_BACKOFF_SECONDS * 1000;
/**
 * However ORCID's absence is counted — processes restarted daily while ORCID stays unreachable for
 * good (a wrong API URL, a firewall) would each count their three days afresh — a write asked for
 * this long ago is given up on at its next try that ORCID does not answer.
 */
const AWAY_KEEP_AT_MOST_MS = 7 * 24 * 3600_000;

/** Why a write ended or waits, in the stable codes the write's status reports. */
const END = {
  notLinked: {
    errorCode: 'ORCID_NOT_LINKED',
    error: 'The researcher has no ORCID iD linked, or Lanyard holds no token for it.',
  },
  consent: {
    errorCode: 'ORCID_CONSENT_REQUIRED',
    error: 'ORCID no longer accepts the token: the researcher must authorize again.',
  },
  scope: {
    errorCode: 'ORCID_CONSENT_REQUIRED',
    error: 'The researcher has not allowed Lanyard to update activities on ORCID (/activities/update).',
  },
  grant: {
    errorCode: 'GRANT_WITHDRAWN',
    error: 'The researcher withdrew this repository’s access at Lanyard.',
  },
} as const;

/**
 * Delivers the ORCID write queue (src/stores/orcid-works.ts). A write is claimed with a lease, sent
 * with the researcher's stored token, then ended; if the process dies mid-way the lease runs out
 * and another process tries again — which is safe, because a work's create that ORCID received but
 * never answered is found again on the record (409 duplicate → the put-code of our source's work
 * with the same `self` id) instead of being created twice. ORCID down, 5xx and 503 rate limits are
 * retried with backoff; a refused token, a missing scope, a withdrawn grant or a refused work are
 * never retried.
 *
 * ORCID away — giving no answer at all (connections refused or timing out: a network outage), or
 * answering 503 (its maintenance page, its rate limiter) — is not the write's failure once it is
 * clear that ORCID is away. The first such try after an answer counts against its write as any
 * unavailability does (the worker cannot yet tell ORCID from the write); from then on, while ORCID
 * stays away, no try counts, the write tried waits a minute (longer if a 503's Retry-After asks, at
 * most an hour), and the worker tries again after 5 s doubling to a minute (or after that
 * Retry-After, when longer). However long the outage, what waited goes out within about a minute of
 * ORCID's return (or of the Retry-After it sent); a write is given up on only at its first try
 * once ORCID has been away for three days (and the write was asked for as long ago), or a week
 * after it was asked for. The outage is logged once when it begins and once when it ends. A
 * write ORCID alone fails with a 500, 502 or 504 while it answers others keeps counting, and is
 * given up on after twelve tries.
 */
export class OrcidWriteWorker extends PollingWorker {
  /** ORCID's absence (no answer, or 503), while it lasts: when the next round may try it. */
  private readonly away = new Outage(5_000, 60_000, AWAY_STALE_MS);

  constructor(private readonly o: OrcidWriteWorkerOptions) {
    super({ log: o.log, pollMs: o.pollMs ?? 5000, failed: 'ORCID write round failed' });
  }

  /** Every due write, until none is left. */
  async deliverDue(): Promise<number> {
    let handled = 0;
    for (;;) {
      if (this.away.waiting(this.o.clock.now().getTime())) return handled;
      // One write per claim: a write may take several calls to a slow ORCID, and a batch's last
      // writes could outlive their lease, be claimed again elsewhere, and overtake newer content.
      const batch = await claimDueWrites(this.o.db, this.o.clock.now(), 1, this.o.leaseSeconds ?? 120);
      if (batch.length === 0) return handled;
      for (const write of batch) {
        await this.deliver(write);
        handled++;
      }
    }
  }

  private async deliver(write: OrcidWrite): Promise<void> {
    const { db, clock } = this.o;
    const key = keyOf(write, write.account_id);
    const stop = (why: { errorCode: string; error: string }) =>
      this.settle(write, { state: 'needs_consent', ...why, errorStatus: null }, null);
    try {
      if (!(await clientGrantStands(db, write.account_id, write.client_id, clock.now()))) return await stop(END.grant);
      const identity = await orcidIdentityOf(this.o, write.account_id);
      const api = identity && (await orcidApiFor(this.o, write.account_id));
      if (!identity || !api) return await stop(END.notLinked);
      if (await needsConsent(db, identity.identityId)) return await stop(END.consent);
      if (!api.canUpdateWorks) return await stop(END.scope);
      const end = write.kind === 'put' ? await this.put(api, key, write) : await this.delete(api, key);
      this.heard();
      await this.settle(write, end, api.orcid);
      // This process's copy of the record no longer shows what is there now.
      if (end.state === 'delivered') forgetRecord(api.orcid);
    } catch (e) {
      if (e instanceof OrcidApiError) return this.failed(write, e);
      // Lanyard's own trouble (the database, a bug): try again later, as for ORCID being down, and
      // give up after as many attempts — a write that always fails must not hold the work's later
      // writes, which wait behind it, for ever.
      this.o.log.error({ err: e, write: write.id }, 'ORCID write failed');
      const reported = { errorCode: 'INTERNAL', errorStatus: null, error: 'Lanyard could not send the write.' };
      if (write.attempts >= (this.o.maxAttempts ?? 12))
        await finishWrite(db, write.id, { state: 'failed', ...reported }, clock.now());
      else await retryWrite(db, write, reported, backoffSeconds(write.attempts), clock.now());
    }
  }

  /**
   * Ends a write, in one transaction with what it leaves behind: the put-code ORCID gave (or the
   * deleted work's row gone) and its audit event. Apart, a crash or a database error between them
   * left a delivered write without its event, or an event of a write still queued; should the
   * transaction fail, the write is tried again (deliver's catch), and a create ORCID already carried
   * out is found on the record then, never made twice.
   *
   * All of it under the write's owner as it is now, locked (lockWriteOwner): a merge may have moved
   * the write and its work to the survivor while ORCID was being called, and the put-code written by
   * the duplicate's id found no row and was lost. A write that moved before it went out is handed
   * back to the queue instead of ended: what was decided for the duplicate (no iD, no grant, no such
   * work) is decided again for the survivor. One the merge ended itself (a repository's) stays so.
   */
  private async settle(write: OrcidWrite, end: WriteEnd, orcid: string | null): Promise<void> {
    const { db, clock } = this.o;
    const now = clock.now();
    await db.transaction().execute(async (tx) => {
      const owner = await lockWriteOwner(tx, write.id);
      if (owner === null) return;
      if (owner !== write.account_id && end.state !== 'delivered') return releaseWrite(tx, write.id);
      const key = keyOf(write, owner);
      if (end.state === 'delivered' && orcid !== null) {
        if (write.kind === 'delete') await forget(tx, key, now);
        else if (end.putCode != null) await savePutCode(tx, key, orcid, end.putCode, now);
      }
      await finishWrite(tx, write.id, end, now);
      if (end.state === 'delivered')
        await recordAudit(
          tx,
          {
            action: write.kind === 'put' ? 'orcid_work_pushed' : 'orcid_work_deleted',
            accountId: owner,
            provider: 'orcid',
            subject: orcid,
            detail: {
              client: write.client_id || null,
              externalIdType: write.external_id_type,
              externalId: write.external_id,
              putCode: end.putCode ?? null,
              outcome: end.outcome ?? null,
              write: write.id,
            },
          },
          now,
        );
    });
  }

  /** ORCID answered: the end of a silence, if there was one. */
  private heard(): void {
    const ended = this.away.answered(this.o.clock.now().getTime());
    if (ended)
      this.o.log.info(
        { awayForMs: ended.forMs, tries: ended.tries },
        'ORCID answers again; sending the writes that waited',
      );
  }

  /** ORCID is away: wait before the next try, longer each time, at most a minute (or its Retry-After). */
  private silent(error: string, retryAfterSeconds: number | null = null): void {
    // A 503's Retry-After holds the whole worker too (at most the longest backoff): the next write
    // would only be refused by the same rate limiter or maintenance page.
    const atLeastMs = Math.min(MAX_BACKOFF_SECONDS, retryAfterSeconds ?? 0) * 1000;
    if (this.away.missed(this.o.clock.now().getTime(), atLeastMs))
      this.o.log.warn({ err: error }, 'ORCID is unavailable; writes wait in the queue');
  }

  /** What ORCID's refusal means for the write: retry later, stop for consent, or fail for good. */
  private async failed(write: OrcidWrite, e: OrcidApiError): Promise<void> {
    const { db, clock, log } = this.o;
    const now = clock.now();
    const reported = {
      errorCode: e.orcidCode === null ? `HTTP_${e.status ?? 'NO_ANSWER'}` : String(e.orcidCode),
      errorStatus: e.status,
      error: e.developerMessage ?? e.message,
    };
    // No answer, or ORCID saying it is not there (503: maintenance, its rate limiter): ORCID is
    // away, not this write at fault.
    const unavailable = e.transient && (e.status === null || e.status === AWAY_STATUS);
    if (!unavailable) {
      if (e.status !== null) this.heard();
    } else {
      // Away already, with no answer since: not this write at fault.
      const awaySince = this.away.beganAt(now.getTime());
      this.silent(e.status === null ? e.message : `HTTP ${e.status}`, e.retryAfterSeconds);
      if (awaySince !== null) {
        const age = now.getTime() - write.created_at.getTime();
        const outage = now.getTime() - awaySince;
        if ((outage >= AWAY_GIVE_UP_MS && age >= AWAY_GIVE_UP_MS) || age >= AWAY_KEEP_AT_MOST_MS) {
          log.warn({ write: write.id, err: e.message }, 'ORCID write given up after days of ORCID away');
          return finishWrite(db, write.id, { state: 'failed', ...reported }, now, {
            counted: false,
            claimedUntil: write.claimed_until,
          });
        }
        // A Retry-After (on a 503) is a floor here too; the longest backoff stays the ceiling.
        const wait = Math.min(MAX_BACKOFF_SECONDS, Math.max(AWAY_RETRY_SECONDS, e.retryAfterSeconds ?? 0));
        return retryWrite(db, write, reported, wait, now, { counted: false });
      }
    }
    if (e.transient) {
      if (write.attempts >= (this.o.maxAttempts ?? 12)) {
        log.warn({ write: write.id, err: e.message }, 'ORCID write given up after repeated failures');
        return finishWrite(db, write.id, { state: 'failed', ...reported }, now);
      }
      log.warn(
        { write: write.id, attempt: write.attempts, err: e.message },
        'ORCID unavailable; write will be retried',
      );
      // ORCID's Retry-After, when it sends one, is a floor; the longest backoff stays the ceiling.
      const wait = Math.min(MAX_BACKOFF_SECONDS, Math.max(backoffSeconds(write.attempts), e.retryAfterSeconds ?? 0));
      return retryWrite(db, write, reported, wait, now);
    }
    if (e.failure === 'invalid_token') {
      // ORCID refused the token (revoked there, or expired): the link needs the researcher's consent
      // again, and every write of theirs waiting in the queue stops with this one.
      const identity = await orcidIdentityOf(this.o, write.account_id);
      if (identity) await markNeedsConsent(db, identity.identityId, now);
      await finishWrite(db, write.id, { state: 'needs_consent', ...reported, errorCode: END.consent.errorCode }, now);
      return stopQueuedWrites(db, write.account_id, END.consent.errorCode, END.consent.error, now);
    }
    // 9038: the token lacks /activities/update — the researcher can grant it, a retry cannot.
    if (e.failure === 'forbidden' && e.orcidCode === 9038)
      return finishWrite(db, write.id, { state: 'needs_consent', ...reported, errorCode: END.scope.errorCode }, now);
    return finishWrite(db, write.id, { state: 'failed', ...reported }, now);
  }

  private async put(api: OrcidApi, key: WorkKey, write: OrcidWrite): Promise<WriteEnd> {
    const content = write.content as WorkContent;
    const work = await findWork(this.o.db, key);
    if (!work) return { state: 'failed', errorCode: 'NOT_FOUND', error: 'The work is no longer kept.' };
    const self = { type: key.externalIdType, value: work.external_id_value };
    if (work.put_code !== null && work.orcid === api.orcid) {
      try {
        await api.updateWork(work.put_code, content);
        return { state: 'delivered', outcome: 'updated', putCode: work.put_code };
      } catch (e) {
        // Deleted on ORCID by the researcher: put it there again.
        if (!(e instanceof OrcidApiError && e.failure === 'not_found')) throw e;
      }
    }
    let putCode: number;
    try {
      putCode = await api.createWork(content);
    } catch (e) {
      if (!(e instanceof OrcidApiError && e.failure === 'duplicate')) throw e;
      // Our source already holds a work with this `self` id: an earlier create that ORCID carried
      // out but whose answer never came back. Find it and update it — never a second copy.
      const found = await this.ourWorkOnRecord(api, self);
      if (found === null) throw e;
      if (await putCodeHeldElsewhere(this.o.db, key, api.orcid, found))
        return {
          state: 'failed',
          errorCode: 'ORCID_DUPLICATE',
          errorStatus: 409,
          error: 'Another repository already put a work with this identifier on the record through Lanyard.',
        };
      await api.updateWork(found, content);
      return { state: 'delivered', outcome: 'updated', putCode: found };
    }
    return { state: 'delivered', outcome: 'created', putCode };
  }

  private async delete(api: OrcidApi, key: WorkKey): Promise<WriteEnd> {
    const { db } = this.o;
    const work = await findWork(db, key);
    if (!work) return { state: 'delivered', outcome: 'deleted', putCode: null };
    let putCode = work.put_code !== null && work.orcid === api.orcid ? work.put_code : null;
    // Never heard back from the create: the work may still be on the record under our source.
    if (putCode === null) {
      const found = await this.ourWorkOnRecord(api, { type: key.externalIdType, value: work.external_id_value });
      if (found !== null && !(await putCodeHeldElsewhere(db, key, api.orcid, found))) putCode = found;
    }
    if (putCode !== null) {
      try {
        await api.deleteWork(putCode);
      } catch (e) {
        // Already gone (the researcher deleted it on ORCID): the deletion is done.
        if (!(e instanceof OrcidApiError && e.failure === 'not_found')) throw e;
      }
    }
    return { state: 'delivered', outcome: 'deleted', putCode };
  }

  /** The put-code of the work our ORCID client added to the record with this `self` id, if any. */
  private async ourWorkOnRecord(api: OrcidApi, self: { type: string; value: string }): Promise<number | null> {
    const ours = this.o.config.orcid?.clientId;
    const works = await api.listWorks();
    const found = works.find((w) => w.sourceClientId === ours && carriesSelfId(w.externalIds, self));
    return found ? found.putCode : null;
  }
}

const keyOf = (write: OrcidWrite, accountId: string): WorkKey => ({
  accountId,
  clientId: write.client_id,
  externalIdType: write.external_id_type,
  externalId: write.external_id,
});

/** After a delete: the row goes, unless a later put of the same work waits (it creates afresh). */
async function forget(db: Db, key: WorkKey, now: Date): Promise<void> {
  const later = await db
    .selectFrom('orcid_write')
    .select('id')
    .where('account_id', '=', key.accountId)
    .where('client_id', '=', key.clientId)
    .where('external_id_type', '=', key.externalIdType)
    .where('external_id', '=', key.externalId)
    .where('state', '=', 'queued')
    .where('kind', '=', 'put')
    .executeTakeFirst();
  if (!later) return removeWork(db, key);
  await db
    .updateTable('orcid_work')
    .set({ put_code: null, orcid: null, updated_at: now })
    .where('account_id', '=', key.accountId)
    .where('client_id', '=', key.clientId)
    .where('external_id_type', '=', key.externalIdType)
    .where('external_id', '=', key.externalId)
    .execute();
}
