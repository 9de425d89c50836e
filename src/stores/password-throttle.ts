import type { Redis } from 'ioredis';
import type { Db } from '../db/connect.js';

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
