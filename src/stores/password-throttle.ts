import type { Redis } from 'ioredis';
import { canonicalEmail } from '../accounts/email-address.js';
import { type Db, preparedStatement } from '../db/connect.js';
import type { Account } from '../db/schema.js';
import { accountColumns, type PasswordAccount } from './accounts.js';

/** Failed password sign-ins under one key, forgotten `windowMs` after the last one. */
export interface FailureCount {
  failures: number;
  lastFailureAt: Date | null;
}

export interface ThrottleStore {
  read(keys: string[], now: Date, windowMs: number): Promise<FailureCount[]>;
  /** Counts one more failure under each key (atomically, whichever process) and returns the new counts. */
  fail(keys: string[], now: Date, windowMs: number): Promise<number[]>;
  clear(key: string): Promise<void>;
}

const none: FailureCount = { failures: 0, lastFailureAt: null };
const fresh = (last: Date, now: Date, windowMs: number) => now.getTime() - last.getTime() <= windowMs;

/** The database table of migration 0015: shared by every process on one database. */
export function databaseThrottleStore(db: Db): ThrottleStore {
  return {
    async read(keys, now, windowMs) {
      const rows = await db.selectFrom('password_throttle').selectAll().where('key', 'in', keys).execute();
      return keys.map((key) => {
        const row = rows.find((r) => r.key === key);
        return row && fresh(row.last_failure_at, now, windowMs)
          ? { failures: row.failures, lastFailureAt: row.last_failure_at }
          : none;
      });
    },
    async fail(keys, now, windowMs) {
      const counts: number[] = [];
      for (const key of keys) {
        const row = await db
          .insertInto('password_throttle')
          .values({ key, failures: 1, last_failure_at: now })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet((eb) => ({
              failures: eb
                .case()
                .when('password_throttle.last_failure_at', '<', new Date(now.getTime() - windowMs))
                .then(1)
                .else(eb('password_throttle.failures', '+', 1))
                .end(),
              last_failure_at: now,
            })),
          )
          .returning('failures')
          .executeTakeFirstOrThrow();
        counts.push(row.failures);
      }
      return counts;
    },
    async clear(key) {
      await db.deleteFrom('password_throttle').where('key', '=', key).execute();
    },
  };
}

const accountAndFailures = preparedStatement(`select ${accountColumns('account')}, identity.password_hash,
  exists (select 1 from session where session.account_id = account.id and session.ip = $2
    and session.created_at > $3::timestamptz) as known_address,
  by_account.failures as account_failures, by_account.last_failure_at as account_last_failure_at,
  by_pair.failures as pair_failures, by_pair.last_failure_at as pair_last_failure_at
  from (values (1)) as one (x)
  left join account on account.email = $1
  left join identity on identity.account_id = account.id and identity.provider = 'password'
  left join password_throttle by_account on by_account.key = $4
  left join password_throttle by_pair on by_pair.key = $5`);

type AccountAndFailuresRow = { [K in keyof Account]: Account[K] | null } & {
  password_hash: string | null;
  known_address: boolean;
  account_failures: number | null;
  account_last_failure_at: Date | null;
  pair_failures: number | null;
  pair_last_failure_at: Date | null;
};

/**
 * What a password check reads before it hashes, in one round trip when the failures are counted in
 * the database: the account with this email (its password hash, whether a session was started from
 * `ip` since `since`) — `findPasswordAccount` — and the failures counted under the account's and the
 * pair's keys — `databaseThrottleStore(db).read([accountKey, pairKey])`.
 */
export async function readAccountAndFailures(
  db: Db,
  q: { email: string; ip: string; since: Date; keys: [account: string, pair: string]; now: Date; windowMs: number },
): Promise<{ account: PasswordAccount | null; failures: [account: FailureCount, pair: FailureCount] }> {
  const params = [canonicalEmail(q.email), q.ip, q.since, q.keys[0], q.keys[1]];
  const row = (await db.executeQuery<AccountAndFailuresRow>(accountAndFailures(params))).rows[0]!;
  const { account_failures, account_last_failure_at, pair_failures, pair_last_failure_at, ...account } = row;
  const count = (failures: number | null, last: Date | null): FailureCount =>
    failures !== null && last && fresh(last, q.now, q.windowMs) ? { failures, lastFailureAt: last } : none;
  return {
    account: account.id === null ? null : (account as PasswordAccount),
    failures: [count(account_failures, account_last_failure_at), count(pair_failures, pair_last_failure_at)],
  };
}

/** Deletes the rows whose last failure is older than the window: they count as no failure already. */
export async function purgeStaleThrottles(db: Db, now: Date, windowMs: number): Promise<number> {
  const result = await db
    .deleteFrom('password_throttle')
    .where('last_failure_at', '<', new Date(now.getTime() - windowMs))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

// One round trip, atomic: restart the count when the last failure is older than the window.
const failScript = `
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local f = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
if tonumber(ARGV[1]) - last > tonumber(ARGV[2]) then f = 0 end
f = f + 1
redis.call('HSET', KEYS[1], 'failures', f, 'last', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return f`;

/** Redis, when configured: shared by every process, whatever database each one uses. */
export function redisThrottleStore(redis: Redis, prefix: string): ThrottleStore {
  const k = (key: string) => `${prefix}pwd:${key}`;
  return {
    async read(keys, now, windowMs) {
      const rows = await Promise.all(keys.map((key) => redis.hmget(k(key), 'failures', 'last')));
      return rows.map(([failures, last]) => {
        const lastFailureAt = last ? new Date(Number(last)) : null;
        return lastFailureAt && fresh(lastFailureAt, now, windowMs)
          ? { failures: Number(failures), lastFailureAt }
          : none;
      });
    },
    async fail(keys, now, windowMs) {
      return Promise.all(
        keys.map(async (key) => Number(await redis.eval(failScript, 1, k(key), now.getTime(), windowMs))),
      );
    },
    async clear(key) {
      await redis.del(k(key));
    },
  };
}
