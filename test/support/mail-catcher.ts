import { type AddressInfo } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { WAIT_BOUND_MS } from './wait.js';

export interface CaughtMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/**
 * A real SMTP server on loopback (smtp-server) that keeps what it receives, parsed with postal-mime.
 * `refuse = true` makes it answer 451 to every message, as a server that is down for mail would.
 */
export class MailCatcher {
  readonly messages: CaughtMail[] = [];
  /** The user names and passwords clients authenticated with (any is accepted; none is needed). */
  readonly logins: { username: string; password: string }[] = [];
  refuse = false;
  /**
   * A relay that is away, keeping its port (a stopped catcher frees it, and on a busy machine another
   * process may take it before the restart): the connections open when it goes away are closed, as
   * a relay going down closes them, and every new one is answered 421 and closed.
   */
  get down(): boolean {
    return this.away;
  }
  set down(away: boolean) {
    this.away = away;
    if (away)
      for (const connection of (this.server as unknown as { connections: Set<{ close(): void }> }).connections)
        connection.close();
  }
  private away = false;
  /** How many connections clients have opened to it. */
  connectionsOpened = 0;
  /** Mails to an address this matches are answered 421 (closing) while every other goes through. */
  failFor: ((to: string) => boolean) | null = null;
  private waiters: (() => void)[] = [];
  private server: SMTPServer;
  port = 0;

  constructor() {
    this.server = this.makeServer();
  }

  /** A server that has been closed answers 421 for ever: a restart needs a new one. */
  private makeServer(): SMTPServer {
    const server = new SMTPServer({
      authOptional: true,
      // Loopback without TLS: AUTH PLAIN/LOGIN over the plain connection, as a relay on localhost takes it.
      allowInsecureAuth: true,
      onAuth: (auth, _session, done) => {
        this.logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
        done(null, { user: auth.username });
      },
      // stop() ends a connection still open after 1 s (the default waits 30 s), as a server going down does.
      closeTimeout: 1000,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect: (_session, done) =>
        ++this.connectionsOpened && this.away
          ? done(Object.assign(new Error('Service not available, closing transmission channel'), { responseCode: 421 }))
          : done(),
      onData: (stream, session, done) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.refuse)
            return done(Object.assign(new Error('mailbox unavailable, try later'), { responseCode: 451 }));
          const to = session.envelope.rcptTo.map((r) => r.address).join(',');
          if (this.failFor?.(to))
            return done(Object.assign(new Error('closing transmission channel'), { responseCode: 421 }));
          PostalMime.parse(Buffer.concat(chunks)).then((m) => {
            this.messages.push({
              to: m.to?.map((a) => a.address ?? '').join(',') ?? '',
              subject: m.subject ?? '',
              text: m.text ?? '',
              html: m.html ?? '',
              messageId: m.messageId ?? '',
            });
            this.waiters.splice(0).forEach((w) => w());
            done();
          }, done);
        });
      },
    });
    // A client that dies in the middle of a mail (a Lanyard process killed with SIGKILL) resets its
    // connection; smtp-server emits that as an error, which unheard would end the test process. A
    // real SMTP server logs it and goes on; the mail was not accepted, so the client sends it again.
    server.on('error', () => {});
    return server;
  }

  /** Listens on `port` (0: any free one; a catcher restarted after `stop()` gives its old port). */
  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Waits (bounded: for a mail that never comes) until a mail to `to` matching `match` has arrived, and returns it. */
  async waitFor(
    to: string,
    match: (m: CaughtMail) => boolean = () => true,
    timeoutMs = WAIT_BOUND_MS,
  ): Promise<CaughtMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((m) => m.to.toLowerCase() === to.toLowerCase() && match(m));
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no mail to ${to} within ${timeoutMs} ms (have: ${this.messages.map((m) => `${m.to}: ${m.subject}`).join('; ') || 'none'})`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = this.makeServer();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The first link in a mail's text that contains `path`. */
export function linkIn(mail: CaughtMail, path: string): string {
  const link = mail.text.match(/https?:\/\/\S+/g)?.find((l) => l.includes(path));
  if (!link) throw new Error(`no ${path} link in mail "${mail.subject}": ${mail.text}`);
  return link;
}
