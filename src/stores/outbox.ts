import { sql } from 'kysely';
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
 * announces (product.md §2): either both happen or neither does.
 */
export async function enqueueMail(db: Db, mail: MailMessage, now: Date): Promise<string> {
  const row = await db
    .insertInto('email_outbox')
    .values({
      to_address: mail.to,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html,
      kind: mail.kind,
      created_at: now,
      next_attempt_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** How many mails went to this address since `since` (the per-address mail rate limit). */
export async function countMailsTo(db: Db, address: string, since: Date): Promise<number> {
  const r = await db
    .selectFrom('email_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(sql<string>`lower(to_address)`, '=', address.toLowerCase())
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return r.n;
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
    .execute();
}

export async function listRecentMails(db: Db, limit: number): Promise<OutboxMail[]> {
  return db.selectFrom('email_outbox').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
}
