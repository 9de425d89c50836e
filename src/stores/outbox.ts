import { sql } from 'kysely';
import { canonicalEmail } from '../accounts/email-address.js';
import { addSeconds } from '../clock.js';
import type { Db } from '../db/connect.js';
import type { OutboxMail } from '../db/schema.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  kind: string;
}

/**
 * Writes a mail to the outbox. Call it with the transaction that makes the state change the mail
 * announces (docs/design.md §2): either both happen or neither does.
 */
export async function enqueueMail(db: Db, mail: MailMessage, now: Date, heldReason?: HeldReason): Promise<string> {
  const row = await db
    .insertInto('email_outbox')
    .values({
      to_address: canonicalEmail(mail.to),
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html,
      kind: mail.kind,
      created_at: now,
      next_attempt_at: now,
      held_reason: heldReason ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export type HeldReason = 'rate_limit' | 'no_account';

/**
 * The per-address mail limit's view of an address since `since`: how many mails count against it
 * and when the oldest of them was written (the limit frees up an hour after it). Counted: mails
 * sent or to be sent and `no_account` requests; not counted: mails already held back (asking again
 * must not push the wait further) and the `exempt` kinds (security notices).
 */
export async function mailsCountedTo(
  db: Db,
  address: string,
  since: Date,
  exempt: readonly string[],
): Promise<{ count: number; oldest: Date | null }> {
  let query = db
    .selectFrom('email_outbox')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('oldest')])
    .where('to_address', '=', canonicalEmail(address))
    .where('created_at', '>', since)
    .where((eb) => eb.or([eb('held_reason', 'is', null), eb('held_reason', '=', 'no_account')]));
  if (exempt.length) query = query.where('kind', 'not in', exempt);
  const r = await query.executeTakeFirstOrThrow();
  return { count: Number(r.n), oldest: r.oldest ? new Date(r.oldest as Date | string) : null };
}

/**
 * Claims due mails for `leaseSeconds`. `FOR UPDATE SKIP LOCKED` lets several workers (several
 * Lanyard processes) share the outbox without handing the same mail to two of them.
 */
export async function claimDueMails(db: Db, now: Date, limit: number, leaseSeconds: number): Promise<OutboxMail[]> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('email_outbox')
      .select('id')
      .where('sent_at', 'is', null)
      .where('failed_at', 'is', null)
      .where('held_reason', 'is', null)
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    return trx
      .updateTable('email_outbox')
      .set({ claimed_until: addSeconds(now, leaseSeconds), attempts: sql`attempts + 1` })
      .where(
        'id',
        'in',
        due.map((d) => d.id),
      )
      .returningAll()
      .execute();
  });
}

export async function markMailSent(db: Db, id: string, now: Date): Promise<void> {
  await db
    .updateTable('email_outbox')
    .set({ sent_at: now, claimed_until: null, last_error: null })
    .where('id', '=', id)
    .execute();
}

/** Schedules another try with exponential backoff, or gives up (kept, marked failed) after `maxAttempts`. */
export async function markMailFailed(
  db: Db,
  mail: OutboxMail,
  error: string,
  now: Date,
  maxAttempts: number,
): Promise<void> {
  const giveUp = mail.attempts >= maxAttempts;
  const delay = Math.min(3600, 5 * 2 ** (mail.attempts - 1));
  await db
    .updateTable('email_outbox')
    .set({
      claimed_until: null,
      last_error: error.slice(0, 500),
      next_attempt_at: addSeconds(now, delay),
      ...(giveUp ? { failed_at: now } : {}),
    })
    .where('id', '=', mail.id)
    .where('sent_at', 'is', null)
    // Only while this claim holds it: a send (and the worker's check of the relay) that outlasted
    // the lease must not clear another worker's claim on the mail, nor mark one it has sent.
    .where('claimed_until', '=', mail.claimed_until)
    .execute();
}

/**
 * Hands back a batch claimed while the SMTP relay could not be reached. The try is not counted
 * against any of its mails (the relay failed, not they); the one tried keeps the relay's error and
 * waits `retrySeconds` (so that a mail the relay always drops cannot hold up the others), the rest
 * are due again at once. A mail still unsent `giveUpSeconds` after it was written is given up on
 * (kept, marked failed), as a mail server gives up on its queue after days.
 */
export async function releaseForRelayDown(
  db: Db,
  batch: { tried: OutboxMail; rest: string[] },
  error: string,
  now: Date,
  { retrySeconds, giveUpSeconds }: { retrySeconds: number; giveUpSeconds: number },
): Promise<void> {
  const tried = batch.tried.id;
  await db
    .updateTable('email_outbox')
    .set({
      claimed_until: null,
      attempts: sql`greatest(attempts - 1, 0)`,
      last_error: sql`case when id = ${tried} then ${error.slice(0, 500)} else last_error end`,
      next_attempt_at: sql`case when id = ${tried} then ${addSeconds(now, retrySeconds)} else next_attempt_at end`,
      failed_at: sql`case when id = ${tried} and created_at <= ${addSeconds(now, -giveUpSeconds)} then ${now} else failed_at end`,
    })
    .where('id', 'in', [tried, ...batch.rest])
    .where('sent_at', 'is', null)
    // Only while this claim holds them: a send that stalled past the lease may find the rest of
    // the batch claimed by another worker, which must keep it.
    .where('claimed_until', '=', batch.tried.claimed_until)
    .execute();
}

export async function listRecentMails(db: Db, limit: number): Promise<OutboxMail[]> {
  return db.selectFrom('email_outbox').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
}
