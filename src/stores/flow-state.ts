import { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connect.js';

/**
 * Short-lived state of a sign-in flow that any Lanyard process must be able to finish: a SAML
 * AuthnRequest waiting for its response (the IdP's cross-site POST carries no SameSite cookie, so
 * the state cannot live in the browser), a verified response waiting for the browser, an assertion
 * ID already used. In PostgreSQL by default, in Redis when LANYARD_REDIS_URL is set.
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

/** The same store in Redis (SET NX EX, GETDEL: Redis ≥ 6.2), keys under `prefix`. */
export function redisFlowState(url: string, prefix: string): FlowStateStore {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: true });
  redis.on('error', () => {}); // each command rejects on its own; the caller turns that into a 503
  const k = (key: string) => `${prefix}flow:${key}`;
  return {
    async add(key, value, ttlSeconds) {
      return (await redis.set(k(key), JSON.stringify(value), 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX')) === 'OK';
    },
    async peek<T>(key: string) {
      const v = await redis.get(k(key));
      return v === null ? null : (JSON.parse(v) as T);
    },
    async take<T>(key: string) {
      const v = await redis.getdel(k(key));
      return v === null ? null : (JSON.parse(v) as T);
    },
    async purge() {
      return 0;
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
