import type { Clock } from '../clock.js';
import type { Db } from '../db/connect.js';
import { enqueueMail, type HeldReason, mailsCountedTo } from '../stores/outbox.js';
import type { MailMessage } from '../stores/outbox.js';

/** What became of a mail: queued for delivery, or held back by the per-address limit until `retryAt`. */
export type MailResult = { queued: true } | { queued: false; retryAt: Date };

const HOUR_MS = 3600_000;

/**
 * The per-address mail limit (so nobody can flood an inbox through Lanyard's forms). A mail over
 * the limit is written as held back — never delivered, shown in the dev mailbox — and the caller
 * learns when the address may be mailed again. Security notices (`exempt`) are always queued and
 * never counted: the owner must hear that their account changed, however busy the address was.
 */
export async function queueWithinLimit(
  db: Db,
  mail: MailMessage,
  opts: { clock: Clock; perHour: number; exempt: readonly string[]; noAccount?: boolean },
): Promise<MailResult> {
  const now = opts.clock.now();
  if (opts.exempt.includes(mail.kind)) {
    await enqueueMail(db, mail, now);
    return { queued: true };
  }
  const { count, oldest } = await mailsCountedTo(db, mail.to, new Date(now.getTime() - HOUR_MS), opts.exempt);
  if (count >= opts.perHour) {
    await enqueueMail(db, mail, now, 'rate_limit');
    return { queued: false, retryAt: new Date((oldest ?? now).getTime() + HOUR_MS) };
  }
  const held: HeldReason | undefined = opts.noAccount ? 'no_account' : undefined;
  await enqueueMail(db, mail, now, held);
  return { queued: true };
}

/** Whole minutes until `retryAt`, at least 1 (what the page tells the person). */
export const minutesUntil = (retryAt: Date, now: Date) =>
  Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 60_000));
