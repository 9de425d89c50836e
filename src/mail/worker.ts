import net, { type Socket } from 'node:net';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connect.js';
import type { OutboxMail } from '../db/schema.js';
import { Outage, PollingWorker } from '../lib/polling-worker.js';
import { claimDueMails, markMailFailed, markMailSent, releaseForRelayDown } from '../stores/outbox.js';

export interface MailTransport {
  send(mail: OutboxMail): Promise<void>;
  /** Whether the relay takes a connection now (connect, greeting, EHLO, AUTH), mail or no mail. */
  reachable?(): Promise<boolean>;
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
 *
 * One connection carries mail after mail (nodemailer's pool): a connection per mail paid the
 * relay's greeting, EHLO, STARTTLS and AUTH each time, and an outbox that filled while the relay
 * was away drained at a few mails a second. A mail whose pooled connection closes under it (the
 * relay timed an idle one out) is sent once more on a fresh one, not more: the worker decides
 * after that (a send may then wait out the stall bound twice, still within half the lease). The
 * socket sends without Nagle's delay: nodemailer writes a mail's final dot on its own, and held
 * back until the relay acknowledged the body (which it delays up to 40 ms, having nothing to say
 * yet) it cost every mail that long. LANYARD_SMTP_URL's own `pool` or `maxRequeues` take
 * precedence; with a `proxy` it keeps a connection per mail, opened by nodemailer.
 */
export function smtpTransport(url: string, from: string, hostname: string, stallMs = SMTP_STALL_MS): MailTransport {
  let transporter: Promise<Transporter> | undefined;
  // nodemailer takes a URL's options from the URL alone (an object with `url` loses its other
  // keys), so the defaults go in as query parameters where the operator did not set them.
  const withDefaults = new URL(url);
  for (const key of ['connectionTimeout', 'greetingTimeout', 'socketTimeout', 'dnsTimeout'])
    if (!withDefaults.searchParams.has(key)) withDefaults.searchParams.set(key, String(stallMs));
  // Through a `proxy`, nodemailer opens the sockets (its own getSocket replaces ours at the first
  // mail) and reports a proxy that fails through the path where its pool keeps the failed
  // connection for ever (withoutNagle): a connection per mail there, as before.
  const proxied = withDefaults.searchParams.has('proxy');
  if (!proxied)
    for (const [key, value] of Object.entries({ pool: 'true', maxConnections: '1', maxRequeues: '1' }))
      if (!withDefaults.searchParams.has(key)) withDefaults.searchParams.set(key, value);
  const connect = () =>
    (transporter ??= import('nodemailer').then(({ default: nodemailer }) => {
      const mailer = nodemailer.createTransport(withDefaults.href, { from });
      if (!proxied) withoutNagle((mailer as unknown as { transporter: SocketSource }).transporter);
      return mailer;
    }));
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
    async reachable() {
      try {
        return await (await connect()).verify();
      } catch {
        return false;
      }
    },
    // Closes the pooled connection; a later send opens a new one. A send still in flight on the
    // closed pool would never settle: the worker closes its transport only after its round.
    close: () => {
      const closing = transporter;
      transporter = undefined;
      void closing?.then((t) => t.close()).catch(() => undefined);
    },
  };
}

/** nodemailer's hook for the socket an SMTP connection runs over (its transports' `getSocket`). */
interface SocketSource {
  getSocket(
    options: { host?: string; port?: number; secure?: boolean; localAddress?: string; connectionTimeout?: number },
    callback: (err: Error | null, socketOptions?: { connection: Socket } | false) => void,
  ): void;
}

/**
 * Has nodemailer's connections opened here, with Nagle's algorithm off, instead of by nodemailer
 * (which never turns it off). The socket is handed over at once, still connecting: nodemailer then
 * takes its failure (refused, reset, silent past the greeting and socket timeouts) as it takes one
 * of its own sockets, and its pool drops the connection. (A connection that failed before it was
 * handed over would be kept by the pool as busy for ever: with one connection, no mail would be
 * sent again.) Handed over, the socket is past nodemailer's own connection and DNS timeouts, so
 * one still connecting after `connectionTimeout` is destroyed here (nodemailer only ends it, and a
 * relay that drops packets would leave it half-open for minutes). nodemailer reads the greeting and
 * upgrades to TLS for `smtps:` or by STARTTLS as on its own sockets. The host and default ports
 * are nodemailer's.
 */
function withoutNagle(source: SocketSource): void {
  source.getSocket = (options, callback) => {
    let socket: Socket;
    try {
      socket = net.connect({
        host: options.host || 'localhost',
        port: Number(options.port) || (options.secure ? 465 : 587),
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        noDelay: true,
        keepAlive: true,
      });
    } catch (e) {
      // A setting net refuses at once (a bad local address): the send fails, the process goes on.
      const failed = new net.Socket();
      process.nextTick(() => failed.destroy(e as Error));
      return callback(null, { connection: failed });
    }
    const timer = setTimeout(
      () => {
        if (socket.connecting) socket.destroy(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' }));
      },
      Number(options.connectionTimeout) || SMTP_STALL_MS,
    );
    timer.unref();
    socket.once('connect', () => clearTimeout(timer)).once('close', () => clearTimeout(timer));
    callback(null, { connection: socket });
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
 * Whether a failed send may be the relay's rather than the mail's: no SMTP reply came with it (a
 * connection refused, dropped or timed out, DNS, TLS — nodemailer reports the last as ESOCKET,
 * ECONNECTION, ETIMEDOUT, EDNS, ETLS, or as "Unexpected socket close" with no code), the relay
 * refused the credentials (EAUTH), or it said 421 (closing). A reply of its own about the mail
 * (another 4xx or 5xx) is the mail's. Which of the two it was, the worker asks the relay itself.
 */
export function maybeRelayDown(e: unknown): boolean {
  const err = e as { code?: unknown; responseCode?: unknown };
  if (err.responseCode === 421 || err.code === 'EAUTH') return true;
  return typeof err.responseCode !== 'number';
}

/** While the relay is down, a mail tried waits this long before it is due again. */
const RELAY_RETRY_SECONDS = 60;
/** A mail the relay could not take for five days is given up on (kept, marked failed), as Postfix does. */
const RELAY_GIVE_UP_SECONDS = 5 * 24 * 3600;

/**
 * Delivers the outbox. A mail is claimed with a lease, sent, then marked sent; if the process dies
 * mid-way the lease runs out and another worker (or this one after restart) sends it. A mail the
 * SMTP server refused is retried with backoff and never dropped; after `maxAttempts` it is kept and
 * marked failed for an operator to see.
 *
 * A relay that cannot be reached is not the mail's failure. When a send fails without the relay's
 * own word on the mail, the worker asks the relay whether it takes a connection at all: if it does,
 * the failure is the mail's (one the relay always drops is given up on after `maxAttempts`, as
 * before); if not, the try counts against no mail, the round stops, and the worker tries again
 * after 5 s, doubling up to a minute for as long as the relay stays away. However long it was down,
 * what waited is delivered within about a minute of its return; a mail is given up on only at its
 * first try five days after it was written. The outage is logged once when it begins and once when
 * the relay answers again.
 */
export class OutboxWorker extends PollingWorker {
  /** The relay's outage, while it lasts: when the next round may try it. */
  private readonly relay = new Outage();

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
    if (this.relay.waiting(this.o.clock.now().getTime())) return 0;
    for (;;) {
      const now = this.o.clock.now();
      const batch = await claimDueMails(this.o.db, now, 20, leaseMs / 1000);
      if (batch.length === 0) return delivered;
      for (const [i, mail] of batch.entries()) {
        // The batch is this worker's until its lease runs out; then another worker may claim what
        // is left and send it. A mail is only begun while half the lease remains: a send that
        // stalls (a slow SMTP server, a starved process) may be repeated once it outlasts the
        // lease, but the rest of the batch is left to whoever claims it next, never sent twice.
        if (this.o.clock.now().getTime() - now.getTime() > leaseMs / 2) break;
        try {
          await this.o.transport.send(mail);
          await markMailSent(this.o.db, mail.id, this.o.clock.now());
          delivered++;
          this.relayBack(delivered);
        } catch (e) {
          const error = (e as Error).message;
          if (maybeRelayDown(e) && !(await this.relayAnswers())) {
            await releaseForRelayDown(
              this.o.db,
              { tried: mail, rest: batch.slice(i + 1).map((m) => m.id) },
              error,
              this.o.clock.now(),
              { retrySeconds: RELAY_RETRY_SECONDS, giveUpSeconds: RELAY_GIVE_UP_SECONDS },
            );
            this.relayAway(error, (e as { code?: string }).code);
            return delivered;
          }
          this.o.log.warn({ mailId: mail.id, attempt: mail.attempts, err: error }, 'mail delivery failed; will retry');
          await markMailFailed(this.o.db, mail, error, this.o.clock.now(), this.o.maxAttempts ?? 12);
        }
      }
    }
  }

  /** Whether the relay takes a connection now; a transport that cannot tell is taken as there. */
  private async relayAnswers(): Promise<boolean> {
    return this.o.transport.reachable ? this.o.transport.reachable() : true;
  }

  private relayAway(error: string, code: string | undefined): void {
    if (this.relay.missed(this.o.clock.now().getTime()))
      this.o.log.warn(
        { err: error, code },
        'the SMTP relay cannot be reached (or refuses our credentials); mails wait in the outbox',
      );
  }

  private relayBack(delivered: number): void {
    const ended = this.relay.answered(this.o.clock.now().getTime());
    if (ended)
      this.o.log.info(
        { downForMs: ended.forMs, tries: ended.tries, delivered },
        'the SMTP relay answers again; delivering what waited',
      );
  }
}
