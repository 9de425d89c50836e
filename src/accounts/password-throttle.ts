import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Db } from '../db/connect.js';
import type { Logger } from 'pino';
import { LanyardError } from '../errors.js';
import { findPasswordAccount, type PasswordAccount } from '../stores/accounts.js';
import { addressBucket } from '../lib/client-address.js';
import { canonicalEmail } from './email-address.js';
import { recordAudit } from '../stores/audit.js';
import {
  databaseThrottleStore,
  readAccountAndFailures,
  redisThrottleStore,
  type FailureCount,
  type ThrottleStore,
} from '../stores/password-throttle.js';

/**
 * Per-account password-guess limit, shared by every password path and every process (docs/security.md).
 * Each (account, client address) pair has its own delay, doubling with every failure past a free
 * allowance — from the pair's own failures, and from the account's failures from every address
 * together (so six addresses share one budget). An address the account signed in from lately is
 * judged on its own failures only, and an address that has not failed is never delayed: the owner
 * is slowed at worst, never locked out by someone else's guesses. Unknown emails count alike.
 */
export const throttlePolicy = {
  /** Failures of one address at one account before its attempts are delayed. */
  pairFree: 5,
  /** Failures at one account, from all addresses together, before every failing address is delayed. */
  accountFree: 10,
  maxDelaySeconds: 15 * 60,
  /** Failures are forgotten a day after the last one. */
  windowMs: 24 * 3600_000,
  /** A session from the address this recently makes it the owner's. */
  knownAddressMs: 30 * 86400_000,
};

export interface ThrottleCheck {
  /** Seconds until this address may try this account again; 0 = try now. */
  waitSeconds: number;
  accountId: string | null;
  keys: { account: string; pair: string };
  trusted: boolean;
  /** Whether this address had failures counted for this account (within the window) when checked. */
  pairCounted: boolean;
  /** The account the email names, as the check read it (with its password hash), for the attempt. */
  account: PasswordAccount | null;
}

export class PasswordThrottle {
  private readonly db: ThrottleStore;
  private readonly redis: ThrottleStore | null;

  constructor(private readonly deps: { db: Db; log: Logger; redis: Redis | null; redisPrefix: string }) {
    this.db = databaseThrottleStore(deps.db);
    this.redis = deps.redis ? redisThrottleStore(deps.redis, deps.redisPrefix) : null;
  }

  /**
   * Runs one password check for `email` from `ip` under the limit: refused with RATE_LIMITED
   * (details.retryAfterSeconds) before any hash is computed while this address must wait; a
   * null or false answer counts as a failure, anything else clears this address's count.
   */
  async guard<T>(
    email: string,
    ip: string,
    now: Date,
    attempt: (account: PasswordAccount | null) => Promise<T>,
  ): Promise<T> {
    const check = await this.check(email, ip, now);
    if (check.waitSeconds > 0) {
      this.deps.log.info(
        { waitSeconds: check.waitSeconds },
        'password attempt refused: this account is throttled here',
      );
      throw new LanyardError('RATE_LIMITED', 'Too many wrong passwords for this account; try again later.', {
        retryAfterSeconds: check.waitSeconds,
      });
    }
    const result = await attempt(check.account);
    if (result === null || result === false) await this.failed(check, ip, now);
    else await this.succeeded(check);
    return result;
  }

  /** Before the password is checked: may this address try this email now? */
  async check(email: string, ip: string, now: Date): Promise<ThrottleCheck> {
    const id = keyOf(email);
    // The pair counts an IPv6 client by its /64: one host may send from any address in it.
    const keys = { account: `a:${id}`, pair: `p:${id}:${addressBucket(ip)}` };
    const since = new Date(now.getTime() - throttlePolicy.knownAddressMs);
    const { account, failures } = this.redis
      ? {
          account: (await findPasswordAccount(this.deps.db, email, ip, since)) ?? null,
          failures: await this.store((s) => s.read([keys.account, keys.pair], now, throttlePolicy.windowMs)),
        }
      : // Failures counted in the database: read with the account, one round trip for both.
        await readAccountAndFailures(this.deps.db, {
          email,
          ip,
          since,
          keys: [keys.account, keys.pair],
          now,
          windowMs: throttlePolicy.windowMs,
        });
    const trusted = account?.known_address ?? false;
    const [acc, pair] = failures;
    const waitMs =
      delayMs(acc!, pair!, trusted) - (pair!.lastFailureAt ? now.getTime() - pair!.lastFailureAt.getTime() : 0);
    return {
      waitSeconds: pair!.lastFailureAt && waitMs > 0 ? Math.ceil(waitMs / 1000) : 0,
      accountId: account?.id ?? null,
      keys,
      trusted,
      pairCounted: pair!.lastFailureAt !== null,
      account,
    };
  }

  /** After a wrong password: counts it, and audits when it makes this address wait. */
  async failed(check: ThrottleCheck, ip: string, now: Date): Promise<void> {
    const [account, pair] = await this.store((s) =>
      s.fail([check.keys.account, check.keys.pair], now, throttlePolicy.windowMs),
    );
    const waitMs = delayMs(
      { failures: account!, lastFailureAt: now },
      { failures: pair!, lastFailureAt: now },
      check.trusted,
    );
    if (waitMs > 0)
      await recordAudit(
        this.deps.db,
        {
          action: 'sign_in_throttled',
          outcome: 'failure',
          accountId: check.accountId,
          provider: 'password',
          ip,
          detail: { accountFailures: account, addressFailures: pair, waitSeconds: waitMs / 1000 },
        },
        now,
      );
  }

  /** After the right password: this address starts afresh (the account's count does not). */
  async succeeded(check: ThrottleCheck): Promise<void> {
    // Nothing counted at the check: nothing to clear, and no round trip on the common sign-in.
    // (A failure counted since then stays counted: stricter, never looser.)
    if (!check.pairCounted) return;
    await this.store((s) => s.clear(check.keys.pair));
  }

  /** Redis when configured; if it fails, the database, so the limit never silently lapses. */
  private async store<T>(op: (s: ThrottleStore) => Promise<T>): Promise<T> {
    if (this.redis) {
      try {
        return await op(this.redis);
      } catch (e) {
        this.deps.log.warn({ err: (e as Error).message }, 'redis unavailable: password throttle uses the database');
      }
    }
    return op(this.db);
  }
}

function delayMs(account: FailureCount, pair: FailureCount, trusted: boolean): number {
  const excess = Math.max(
    pair.failures - throttlePolicy.pairFree,
    trusted ? 0 : account.failures - throttlePolicy.accountFree,
  );
  if (excess <= 0 || pair.failures === 0) return 0;
  return Math.min(throttlePolicy.maxDelaySeconds, 2 ** (excess - 1)) * 1000;
}

/** The email in the form the account lookup compares, hashed: keys never hold an address. */
function keyOf(email: string): string {
  return createHash('sha256').update(canonicalEmail(email)).digest('base64url').slice(0, 32);
}
