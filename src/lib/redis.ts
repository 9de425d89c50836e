import { type Command, Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisClientOptions {
  /** How long a command may go unanswered before it fails and the caller falls back (LANYARD_REDIS_TIMEOUT_MS). */
  commandTimeoutMs: number;
  log: Logger;
  /** What the caller does while Redis fails, for the log ("rate limits go on without the shared count"). */
  fallback: string;
}

const TIMED_OUT = 'Command timed out';

/**
 * A Redis client whose every command is answered or failed within `commandTimeoutMs`, so a Redis
 * that is gone or that never answers costs a sign-in a bounded wait and then its documented
 * fallback:
 *
 * - Commands queue only until the first connection is up (start-up); once a connection is lost a
 *   command fails at once, instead of waiting through every reconnect attempt.
 * - A Redis that keeps its connections open and never answers (a stopped process, a hung host)
 *   fails each command after `commandTimeoutMs`. The first such timeout drops the connection:
 *   while the new one is not ready (its handshake goes unanswered just the same) every command
 *   fails at once, so the wait is paid about once per outage rather than once per command. When
 *   Redis answers again the reconnect completes and commands go to it again.
 */
export function connectRedis(url: string, opts: RedisClientOptions): Redis {
  const redis = new BoundedRedis(url, opts);
  redis.on('error', (e: Error) => opts.log.warn({ err: e.message }, `redis unavailable: ${opts.fallback}`));
  redis.once('ready', () => (redis.options.enableOfflineQueue = false));
  return redis;
}

class BoundedRedis extends Redis {
  constructor(
    url: string,
    private readonly bounds: RedisClientOptions,
  ) {
    super(url, {
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: bounds.commandTimeoutMs,
      lazyConnect: true,
    });
  }

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const sent = super.sendCommand(command, stream);
    command.promise.catch((e: Error) => {
      // A QUIT going unanswered is the caller's to end (it disconnects), not a reason to reconnect.
      if (e.message !== TIMED_OUT || this.status !== 'ready' || command.name === 'quit') return;
      this.bounds.log.warn(
        { timeoutMs: this.bounds.commandTimeoutMs, command: command.name },
        `redis did not answer in time: reconnecting; meanwhile ${this.bounds.fallback}`,
      );
      this.disconnect(true);
    });
    return sent;
  }
}
