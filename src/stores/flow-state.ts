import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connect.js';
import type { Logger } from 'pino';

/**
 * Short-lived state of a sign-in flow that any Lanyard process must be able to finish: a SAML
 * AuthnRequest waiting for its response (the IdP's cross-site POST carries no SameSite cookie, so
 * the state cannot live in the browser), a verified response waiting for the browser, an assertion
 * ID already used. In PostgreSQL by default, in Redis when LANYARD_REDIS_URL is set (with
 * PostgreSQL behind it while Redis fails).
 */
export interface FlowStateStore {
  /** Stores `value` under `key` for `ttlSeconds`; false, changing nothing, if a live value is there. */
  add(key: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  /** The live value under `key`, left in place. */
  peek<T>(key: string): Promise<T | null>;
  /** Removes and returns the live value: of two concurrent callers, at most one gets it. */
  take<T>(key: string): Promise<T | null>;
  /** Deletes expired values (PostgreSQL; Redis expires keys itself). */
  purge(): Promise<number>;
  close(): Promise<void>;
}

export function postgresFlowState(db: Db, clock: Clock): FlowStateStore {
  return {
    async add(key, value, ttlSeconds) {
      const now = clock.now();
      const row = await db
        .insertInto('flow_state')
        .values({ key, value: JSON.stringify(value), expires_at: new Date(now.getTime() + ttlSeconds * 1000) })
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), expires_at: eb.ref('excluded.expires_at') }))
            .where('flow_state.expires_at', '<=', now),
        )
        .returning('key')
        .executeTakeFirst();
      return row !== undefined;
    },
    async peek<T>(key: string) {
      const row = await db
        .selectFrom('flow_state')
        .select('value')
        .where('key', '=', key)
        .where('expires_at', '>', clock.now())
        .executeTakeFirst();
      return (row?.value as T | undefined) ?? null;
    },
    async take<T>(key: string) {
      const row = await db
        .deleteFrom('flow_state')
        .where('key', '=', key)
        .returning(['value', 'expires_at'])
        .executeTakeFirst();
      return row && row.expires_at > clock.now() ? (row.value as T) : null;
    },
    async purge() {
      const r = await db.deleteFrom('flow_state').where('expires_at', '<=', clock.now()).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async close() {},
  };
}

/**
 * The same store in Redis (SET NX EX, GETDEL: Redis ≥ 6.2), keys under `prefix`, with `database`
 * (the PostgreSQL store) behind it, so SAML sign-ins go on while Redis is down or silent:
 *
 * - a write Redis does not take (an error, or no answer within the client's command timeout) goes
 *   to the database;
 * - a read looks in Redis, then in the database: a value written there during an outage is found
 *   after it, whichever process asks;
 * - a value Redis newly took is refused when the database holds a live one under the same key, so
 *   an assertion ID used during an outage stays used after it (the replay cache spans both).
 *
 * A flow whose state is in Redis when Redis stops answering cannot be finished (its state is out
 * of reach): the person starts the sign-in again. Each fallback is logged.
 */
export function redisFlowState(
  redis: Redis,
  prefix: string,
  database: FlowStateStore,
  log: Pick<Logger, 'warn'>,
): FlowStateStore {
  const k = (key: string) => `${prefix}flow:${key}`;
  const inRedis = async <T>(op: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> => {
    try {
      return { ok: true, value: await op() };
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'redis unavailable: SAML sign-in state uses the database');
      return { ok: false };
    }
  };
  const parsed = <T>(v: string | null) => (v === null ? null : (JSON.parse(v) as T));
  return {
    async add(key, value, ttlSeconds) {
      const set = await inRedis(() =>
        redis.set(k(key), JSON.stringify(value), 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX'),
      );
      if (!set.ok) return database.add(key, value, ttlSeconds);
      return set.value === 'OK' && (await database.peek(key)) === null;
    },
    async peek<T>(key: string) {
      const got = await inRedis(() => redis.get(k(key)));
      return (got.ok ? parsed<T>(got.value) : null) ?? database.peek<T>(key);
    },
    async take<T>(key: string) {
      const got = await inRedis(() => redis.getdel(k(key)));
      return (got.ok ? parsed<T>(got.value) : null) ?? database.take<T>(key);
    },
    async purge() {
      return database.purge();
    },
    async close() {},
  };
}
