import pino, { type Logger } from 'pino';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config/schema.js';
import { PasswordHasher } from './crypto/password.js';
import { connectDatabase, type Db } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import type { Locale } from './i18n/index.js';
import { type MailKind, type MailParams, renderMail } from './mail/templates.js';
import { devMailboxTransport, type MailTransport, OutboxWorker, smtpTransport } from './mail/worker.js';
import { OrcidClient } from './providers/orcid/client.js';
import { countMailsTo, enqueueMail } from './stores/outbox.js';

/** Paths and headers whose values are secrets; pino replaces them with [redacted]. */
export const redactPaths = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-xsrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.code',
];

/** Path segments and query values that are secrets (tokens, OAuth codes and state): logged as [redacted]. */
const secretInUrl =
  /(\/(?:register|forgot|external-login|review-account|registrations)\/)[^/?#]+|([?&](?:token|code|state|_csrf)=)[^&#]*/g;
export const redactUrl = (url: string) =>
  url.replace(secretInUrl, (_m, path?: string, query?: string) => `${path ?? query}[redacted]`);

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.ip,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  });
}

/** Everything the domain needs, created once per process and handed to each surface. */
export interface Lanyard {
  config: Config;
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  log: Logger;
  outbox: OutboxWorker;
  /** The ORCID client, when ORCID sign-in is configured (or the built-in emulator serves it). */
  orcid: OrcidClient | null;
  /**
   * Renders and queues a mail in `db` (pass the transaction of the state change it announces).
   * Returns false, sending nothing, when the address reached its hourly limit.
   */
  queueMail<K extends MailKind>(db: Db, kind: K, to: string, locale: Locale, params: MailParams<K>): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenOptions {
  clock?: Clock;
  log?: Logger;
  transport?: MailTransport;
  mailPollMs?: number;
  /** An in-memory database starts from this image of a migrated one (tests: initdb costs seconds of CPU). */
  databaseImage?: Blob;
}

export async function openLanyard(config: Config, opts: OpenOptions = {}): Promise<Lanyard> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger(config.logLevel);
  const db = await connectDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    ...(opts.databaseImage ? { image: opts.databaseImage } : {}),
  });
  await migrateToLatest(db);
  const transport =
    opts.transport ??
    (config.smtpUrl
      ? smtpTransport(config.smtpUrl, config.mailFrom, new URL(config.publicUrl).hostname)
      : devMailboxTransport);
  const outbox = new OutboxWorker({ db, clock, transport, log, pollMs: opts.mailPollMs ?? 2000 });
  outbox.start();

  return {
    config,
    db,
    clock,
    hasher: new PasswordHasher(config.password),
    log,
    outbox,
    orcid: config.orcid ? new OrcidClient(config.orcid, config.publicUrl) : null,
    async queueMail(tx, kind, to, locale, params) {
      const now = clock.now();
      const recent = await countMailsTo(tx, to, new Date(now.getTime() - 3600_000));
      if (recent >= config.rateLimit.mailPerHourPerAddress) {
        log.warn({ kind }, 'mail not sent: hourly limit for this address reached');
        return false;
      }
      await enqueueMail(tx, renderMail(kind, to, locale, params), now);
      // Delivery starts after the caller's transaction commits; the kick only shortens the wait.
      setImmediate(() => outbox.kick());
      return true;
    },
    async close() {
      await outbox.stop();
      await db.destroy();
    },
  };
}
