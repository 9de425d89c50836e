import pino, { type Logger } from 'pino';
import { PasswordThrottle } from './accounts/password-throttle.js';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config/schema.js';
import { PasswordHasher } from './crypto/password.js';
import { connectDatabase, type Db } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import type { Locale } from './i18n/index.js';
import { type MailKind, type MailParams, renderMail } from './mail/templates.js';
import { OrcidWriteWorker } from './orcid-api/worker.js';
import { devMailboxTransport, type MailTransport, OutboxWorker, smtpTransport } from './mail/worker.js';
import { createProviders, type ProviderRegistry } from './providers/registry.js';
import { type FlowStateStore, postgresFlowState, redisFlowState } from './stores/flow-state.js';
import { type MailResult, queueWithinLimit } from './mail/limit.js';
import { securityNotices } from './mail/templates.js';
import { proxyForLog, routeOutbound } from './lib/outbound-proxy.js';

/** Paths and headers whose values are secrets; pino replaces them with [redacted]. */
export const redactPaths = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-xsrf-token"]',
  'res.headers["set-cookie"]',
  'res.headers.authorization',
  'res.headers["dspace-xsrf-token"]',
  '*.password',
  '*.secret',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.code',
];

/**
 * Path segments and query values that are secrets (tokens, OAuth codes and state, and a password a
 * client wrongly put in a URL, which `authn/login` refuses): logged as [redacted].
 */
const secretInUrl =
  /(\/(?:register|forgot|external-login|review-account|registrations)\/)[^/?#]+|([?&](?:token|code|state|_csrf|password)=)[^&#]*/g;
export const redactUrl = (url: string) =>
  url.replace(secretInUrl, (_m, path?: string, query?: string) => `${path ?? query}[redacted]`);

/**
 * pino JSON lines in production (for log shippers); in demo mode (embedded database, outside
 * tests) a human log through pino-pretty — same fields, same redaction, one line per event.
 */
export function createLogger(level: string, format: 'json' | 'pretty' = 'json'): Logger {
  // pino-pretty (and its dependencies) load only for the human log, never with JSON lines.
  const pretty = () => createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const stream =
    format === 'pretty'
      ? pretty()({
          colorize: process.stdout.isTTY,
          translateTime: 'SYS:HH:MM:ss',
          // A request reads as "request completed GET /login 200 in 12 ms".
          ignore: 'pid,hostname,reqId,req,res,responseTime',
          messageFormat: (log, key) => {
            const req = log.req as { method?: string; url?: string } | undefined;
            const res = log.res as { statusCode?: number } | undefined;
            const parts = [String(log[key])];
            if (req) parts.push(`${req.method} ${req.url}`);
            if (res) parts.push(`${res.statusCode} in ${Math.round(Number(log.responseTime))} ms`);
            return parts.join(' ');
          },
          singleLine: true,
        })
      : undefined;
  const serializers = {
    req: (req: { method: string; url: string; ip?: string }) => ({
      method: req.method,
      url: redactUrl(req.url),
      remoteAddress: req.ip,
    }),
    res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    err: pino.stdSerializers.err,
  };
  // pino's own destination (standard output, asynchronous), made here so both loggers share it.
  const destination = (stream as pino.DestinationStream | undefined) ?? pino.destination();
  const log = pino({ level, redact: { paths: redactPaths, censor: '[redacted]' }, serializers }, destination);
  accessLoggers.set(log, pino({ level: 'info', serializers }, destination));
  return log;
}

const accessLoggers = new WeakMap<Logger, Logger>();

/**
 * For a logger from `createLogger`: its sibling for the access line (one per request, see
 * src/http/app.ts), on the same destination with the same serializers but without the redaction
 * pass, which was half that line's cost and has nothing to do there: the line holds the method,
 * the URL (its secrets redacted by the `req` serializer), the address, the status and the time,
 * never a header or a body. The caller checks the level.
 */
export const accessLoggerOf = (log: Logger): Logger | undefined => accessLoggers.get(log);

/** Everything the domain needs, created once per process and handed to each surface. */
export interface Lanyard {
  config: Config;
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  log: Logger;
  outbox: OutboxWorker;
  /** Delivers the queue of writes to researchers' ORCID records (src/orcid-api/worker.ts). */
  orcidWrites: OrcidWriteWorker;
  /** The configured sign-in providers (src/providers/), in configuration order. */
  providers: ProviderRegistry;
  /**
   * Short-lived sign-in state every process shares (SAML's pending AuthnRequests, answered
   * requests and used assertion IDs): PostgreSQL, or Redis when configured.
   */
  flowState: FlowStateStore;
  /** The per-account password-guess limit every password path goes through. */
  passwordThrottle: PasswordThrottle;
  /**
   * Renders and queues a mail in `db` (pass the transaction of the state change it announces).
   * Over the address's hourly limit it is held back (never sent) and the result says until when;
   * security notices are never held back. `noAccount`: the request mails nothing because no account
   * uses the address, but counts like a mail, so the answer never tells whether an account exists.
   */
  queueMail<K extends MailKind>(
    db: Db,
    kind: K,
    to: string,
    locale: Locale,
    params: MailParams<K>,
    opts?: { noAccount?: boolean },
  ): Promise<MailResult>;
  close(): Promise<void>;
}

export interface OpenOptions {
  clock?: Clock;
  log?: Logger;
  transport?: MailTransport;
  mailPollMs?: number;
  /** How often the ORCID write queue looks for due writes (default 5 s). */
  orcidPollMs?: number;
  /** An in-memory database starts from this image of a migrated one (tests: initdb costs seconds of CPU). */
  databaseImage?: Blob;
  /** How often the providers' background work looks whether something is due (default: theirs). */
  backgroundTickMs?: number;
}

export async function openLanyard(config: Config, opts: OpenOptions = {}): Promise<Lanyard> {
  const clock = opts.clock ?? systemClock;
  const log =
    opts.log ?? createLogger(config.logLevel, config.embedded && process.env.NODE_ENV !== 'test' ? 'pretty' : 'json');
  routeOutbound(config.outboundProxy);
  if (config.outboundProxy) {
    const { https, http, noProxy, noProxyIps } = config.outboundProxy;
    log.info(
      {
        httpsProxy: https && proxyForLog(https),
        httpProxy: http && proxyForLog(http),
        noProxy: [
          ...noProxy.map((e) => (e.port ? `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}` : e.host)),
          ...noProxyIps.map((e) => (e.prefix === null ? e.address : `${e.address}/${e.prefix}`)),
        ],
      },
      'outgoing calls go through the proxy (loopback and NO_PROXY hosts directly)',
    );
  }
  const db = await connectDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    ...(opts.databaseImage ? { image: opts.databaseImage } : {}),
    onPreparedStatementsRefused: (e) =>
      log.warn(
        { err: e },
        'the database connection refused a prepared statement (a pooler in transaction mode?): sending statements unprepared from now on',
      ),
  });
  await migrateToLatest(db);
  const transport =
    opts.transport ??
    (config.smtpUrl
      ? smtpTransport(config.smtpUrl, config.mailFrom, new URL(config.publicUrl).hostname)
      : devMailboxTransport);
  if (!config.smtpUrl && !config.devMailbox && !opts.transport)
    log.warn(
      { publicUrl: config.publicUrl },
      'no SMTP server (LANYARD_SMTP_URL): mails are kept unsent, and the dev mailbox is served only at a loopback public URL',
    );
  const outbox = new OutboxWorker({ db, clock, transport, log, pollMs: opts.mailPollMs ?? 2000 });
  outbox.start();
  const orcidWrites = new OrcidWriteWorker({ db, clock, config, log, pollMs: opts.orcidPollMs ?? 5000 });
  orcidWrites.start();
  // ioredis loads only when Redis is configured (the module alone is ~2 MB of every process's heap).
  const redis = config.redisUrl
    ? (await import('./lib/redis.js')).connectRedis(config.redisUrl, {
        commandTimeoutMs: config.redisTimeoutMs,
        log,
        fallback: 'the password throttle and SAML sign-in state use the database',
      })
    : null;
  // Sign-in state every process must share (SAML's pending AuthnRequests and replay cache).
  const flowState = redis
    ? redisFlowState(redis, config.redisPrefix, postgresFlowState(db, clock), log)
    : postgresFlowState(db, clock);

  const providers = createProviders(config.providers, {
    publicUrl: config.publicUrl,
    clock,
    runtime: { db, log, flowState, secretKeys: config.secretKeys },
  });
  // SAML metadata refreshes on schedule in every process; the first due claims it (see refresh.ts).
  const background = providers.list.flatMap((p) =>
    p.background ? [p.background(opts.backgroundTickMs ? { tickMs: opts.backgroundTickMs } : {})] : [],
  );

  return {
    config,
    db,
    clock,
    hasher: new PasswordHasher(config.password),
    log,
    outbox,
    orcidWrites,
    providers,
    flowState,
    passwordThrottle: new PasswordThrottle({ db, log, redis, redisPrefix: config.redisPrefix }),
    async queueMail(tx, kind, to, locale, params, opts = {}) {
      const result = await queueWithinLimit(tx, renderMail(kind, to, locale, params), {
        clock,
        perHour: config.rateLimit.mailPerHourPerAddress,
        exempt: securityNotices,
        noAccount: opts.noAccount,
      });
      if (!result.queued) log.warn({ kind }, 'mail held back: hourly limit for this address reached');
      // Delivery starts after the caller's transaction commits; the kick only shortens the wait.
      else if (!opts.noAccount) setImmediate(() => outbox.kick());
      return result;
    },
    async close() {
      await Promise.all(background.map((b) => b.stop()));
      await outbox.stop();
      await orcidWrites.stop();
      await redis?.quit().catch(() => redis.disconnect());
      await flowState.close();
      await db.destroy();
    },
  };
}
