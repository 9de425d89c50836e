import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connect.js';
import type { OutboxMail } from '../db/schema.js';
import { PollingWorker } from '../lib/polling-worker.js';
import { claimDueMails, markMailFailed, markMailSent } from '../stores/outbox.js';

export interface MailTransport {
  send(mail: OutboxMail): Promise<void>;
  close(): void;
}

/**
 * How long a send may wait on a server that does not answer (to connect, to greet, or at any step
 * after): a quarter of the outbox's 60-second lease, so a stalled send fails and is retried by this
 * worker before the lease lets another worker claim the same mail. nodemailer's own defaults (two
 * minutes to connect, ten of silence) outlast the lease, and the mail would be sent twice.
 * Query parameters of LANYARD_SMTP_URL (`?socketTimeout=…`) still override it.
 */
export const SMTP_STALL_MS = 15_000;

/**
 * SMTP through nodemailer. The Message-ID is the outbox id, so a retried mail is recognisably the same.
 * nodemailer (about 2 MB of heap) loads with the first mail to send, not at start; concurrent
 * first sends share one transporter.
 */
export function smtpTransport(url: string, from: string, hostname: string, stallMs = SMTP_STALL_MS): MailTransport {
  let transporter: Promise<Transporter> | undefined;
  // nodemailer takes a URL's options from the URL alone (an object with `url` loses its other
  // keys), so the timeouts go in as query parameters where the operator did not set them.
  const withTimeouts = new URL(url);
  for (const key of ['connectionTimeout', 'greetingTimeout', 'socketTimeout', 'dnsTimeout'])
    if (!withTimeouts.searchParams.has(key)) withTimeouts.searchParams.set(key, String(stallMs));
  const connect = () =>
    (transporter ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport(withTimeouts.href, { from }),
    ));
  return {
    async send(mail) {
      await (
        await connect()
      ).sendMail({
        to: mail.to_address,
        subject: mail.subject,
        text: mail.text_body,
        html: mail.html_body,
        messageId: `<${mail.id}@${hostname}>`,
      });
    },
    close: () => void transporter?.then((t) => t.close()).catch(() => undefined),
  };
}

/** Embedded mode without SMTP: mails stay in the outbox and are shown at /dev/mail. */
export const devMailboxTransport: MailTransport = { send: async () => {}, close: () => {} };

export interface OutboxWorkerOptions {
  db: Db;
  clock: Clock;
  transport: MailTransport;
  log: Logger;
  pollMs?: number;
  maxAttempts?: number;
  leaseSeconds?: number;
}

/**
 * Delivers the outbox. A mail is claimed with a lease, sent, then marked sent; if the process dies
 * mid-way the lease runs out and another worker (or this one after restart) sends it. A mail the
 * SMTP server refused is retried with backoff and never dropped; after `maxAttempts` it is kept and
 * marked failed for an operator to see.
 */
export class OutboxWorker extends PollingWorker {
  constructor(private readonly o: OutboxWorkerOptions) {
    super({ log: o.log, pollMs: o.pollMs ?? 2000, failed: 'outbox round failed' });
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.o.transport.close();
  }

  async deliverDue(): Promise<number> {
    let delivered = 0;
    const leaseMs = (this.o.leaseSeconds ?? 60) * 1000;
    for (;;) {
      const now = this.o.clock.now();
      const batch = await claimDueMails(this.o.db, now, 20, leaseMs / 1000);
      if (batch.length === 0) return delivered;
      for (const mail of batch) {
        // The batch is this worker's until its lease runs out; then another worker may claim what
        // is left and send it. A mail is only begun while half the lease remains: a send that
        // stalls (a slow SMTP server, a starved process) may be repeated once it outlasts the
        // lease, but the rest of the batch is left to whoever claims it next, never sent twice.
        if (this.o.clock.now().getTime() - now.getTime() > leaseMs / 2) break;
        try {
          await this.o.transport.send(mail);
          await markMailSent(this.o.db, mail.id, this.o.clock.now());
          delivered++;
        } catch (e) {
          this.o.log.warn(
            { mailId: mail.id, attempt: mail.attempts, err: (e as Error).message },
            'mail delivery failed; will retry',
          );
          await markMailFailed(this.o.db, mail, (e as Error).message, this.o.clock.now(), this.o.maxAttempts ?? 12);
        }
      }
    }
  }
}
