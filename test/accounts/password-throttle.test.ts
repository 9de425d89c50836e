import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import { createLogger } from '../../src/lanyard.js';
import { createServer } from '../../src/server.js';
import { findPasswordAccount } from '../../src/stores/accounts.js';
import { databaseThrottleStore, readAccountAndFailures } from '../../src/stores/password-throttle.js';
import { PASSWORD, seedAccount, uniqueEmail } from '../support/accounts.js';
import { AddressClient, listen } from '../support/address-client.js';
import { forEachBackend } from '../support/suite.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const WRONG = 'not the password at all';
const REDIS_URL = process.env.LANYARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const throttledAudits = async (app: TestApp, accountId: string) =>
  (
    await app.lanyard.db
      .selectFrom('audit_event')
      .selectAll()
      .where('action', '=', 'sign_in_throttled')
      .where('account_id', '=', accountId)
      .execute()
  ).length;

forEachBackend('per-account password-guess limit, over real HTTP from several addresses', (ctx, backend) => {
  let origin: string;
  before(async () => {
    // The limit counts in seconds; a frozen clock keeps a slow machine from waiting it out.
    ctx().clock.freeze();
    origin = await listen(ctx().app);
  });
  const from = (n: number) => new AddressClient(origin, `127.0.0.${n}`);

  test('six addresses guessing one account are slowed; the owner, from their own address or a new one, still gets in', async () => {
    const account = await seedAccount(ctx().lanyard);
    const owner = from(2);
    assert.equal((await owner.pageLogin(account.email, PASSWORD)).status, 303, 'the owner signs in before the attack');

    const attackers = [3, 4, 5, 6, 7, 8].map(from);
    const statuses: number[] = [];
    for (let round = 0; round < 4; round++)
      for (const attacker of attackers) statuses.push((await attacker.pageLogin(account.email, WRONG)).status);
    // Ten failures from anywhere are free; each one after makes its address wait, doubling.
    assert.deepEqual(statuses, [...Array(11).fill(401), ...Array(13).fill(429)]);
    const refused = await attackers[0]!.apiLogin(account.email, PASSWORD);
    assert.equal(refused.status, 429, 'a waiting address is refused before its password is even checked');
    assert.equal(refused.body.includes(account.email), false);
    assert.ok(Number(refused.headers['retry-after']) > 0, 'no Retry-After');
    assert.equal(await throttledAudits(ctx(), account.id), 1, 'each failure that starts a wait is audited');

    assert.equal((await owner.pageLogin(account.email, PASSWORD)).status, 303, 'the owner’s address is not slowed');
    assert.equal((await from(9).apiLogin(account.email, PASSWORD)).status, 200, 'a new address gets its try');
    // Slowed, not locked: once the wait is over the address may try again.
    ctx().clock.advance(Number(refused.headers['retry-after']) * 1000);
    assert.equal((await attackers[0]!.pageLogin(account.email, PASSWORD)).status, 303);
  });

  test('/login and /api/authn/login share one budget', async () => {
    const account = await seedAccount(ctx().lanyard);
    const client = from(10);
    for (let i = 0; i < 3; i++) assert.equal((await client.pageLogin(account.email, WRONG)).status, 401);
    for (let i = 0; i < 3; i++) assert.equal((await client.apiLogin(account.email, WRONG)).status, 401);
    // Six failures from one address: one past its five free ones, on either route.
    const page = await client.pageLogin(account.email, PASSWORD);
    assert.equal(page.status, 429);
    assert.match(page.body, /data-error-code="RATE_LIMITED"/);
    const api = await client.apiLogin(account.email, PASSWORD);
    assert.equal(api.status, 429);
    assert.equal(JSON.parse(api.body).code, 'RATE_LIMITED');
    ctx().clock.advance(Number(api.headers['retry-after']) * 1000);
    assert.equal((await client.apiLogin(account.email, PASSWORD)).status, 200);
  });

  test('an unknown email is limited exactly like a known one (no enumeration)', async () => {
    const [known, client, other] = [await seedAccount(ctx().lanyard), from(11), from(12)];
    const nobody = uniqueEmail('nobody');
    const run = async (c: AddressClient, email: string) => {
      const out = [];
      for (let i = 0; i < 7; i++) {
        const a = await c.apiLogin(email, WRONG);
        out.push(`${a.status} ${a.headers['retry-after'] ?? ''}`);
      }
      return out;
    };
    assert.deepEqual(await run(client, known.email), await run(other, nobody));
  });

  test('the limit holds across two Lanyard instances (one database; with Redis, across databases)', async () => {
    const email = uniqueEmail('two');
    const started: { close(): Promise<void> }[] = [];
    try {
      let origins: string[];
      if (backend === 'postgres') {
        // A second process on the same PostgreSQL database, no Redis: the table is the shared store.
        const second = await createServer(ctx().config, { clock: ctx().clock, log: createLogger('silent') });
        started.push(second);
        await seedAccount(ctx().lanyard, email);
        origins = [origin, await listen(second.app)];
      } else {
        // Embedded databases cannot be shared; with Redis configured, Redis is the shared store.
        const env = {
          LANYARD_REDIS_URL: REDIS_URL,
          LANYARD_REDIS_PREFIX: `lanyard-test-${randomBytes(6).toString('hex')}:`,
          // What is tested is the shared count, not Redis's deadline: on a busy machine an answer can
          // take longer than the default 500 ms, and each instance would fall back to its own count.
          LANYARD_REDIS_TIMEOUT_MS: '10000',
        };
        const apps = [await createTestApp('pglite', env), await createTestApp('pglite', env)];
        started.push(...apps);
        origins = [];
        for (const app of apps) {
          app.clock.freeze();
          await seedAccount(app.lanyard, email);
          origins.push(await listen(app.app));
        }
      }
      const [a, b] = origins.map((o) => new AddressClient(o, '127.0.0.13')) as [AddressClient, AddressClient];
      for (let i = 0; i < 3; i++) assert.equal((await a.pageLogin(email, WRONG)).status, 401);
      for (let i = 0; i < 3; i++) assert.equal((await b.pageLogin(email, WRONG)).status, 401);
      assert.equal((await a.pageLogin(email, PASSWORD)).status, 429, 'the first instance ignored the second’s count');
      assert.equal((await b.pageLogin(email, PASSWORD)).status, 429, 'the second instance ignored the first’s count');
    } finally {
      for (const s of started) await s.close();
    }
  });

  test('the check’s one statement reads what the account lookup and the failure counts read apart', async () => {
    const db = ctx().lanyard.db;
    const account = await seedAccount(ctx().lanyard);
    const client = from(14);
    assert.equal((await client.pageLogin(account.email, PASSWORD)).status, 303, 'a session from this address');
    assert.equal((await client.pageLogin(account.email, WRONG)).status, 401, 'a failure from it');
    const nobody = uniqueEmail('nobody');
    await from(15).pageLogin(nobody, WRONG);
    const store = databaseThrottleStore(db);
    const windowMs = 24 * 3600_000;
    const now = ctx().clock.now();
    const seen: Awaited<ReturnType<typeof readAccountAndFailures>>[] = [];
    const keysOf = async (email: string, ip: string) =>
      (await ctx().lanyard.passwordThrottle.check(email, ip, now)).keys;
    for (const [email, ip, at] of [
      [account.email, '127.0.0.14', now], // the account, a known address with a failure counted
      [account.email.toUpperCase(), '127.0.0.99', now], // another address, no failure of its own
      [nobody, '127.0.0.15', now], // no account, failures counted all the same
      [account.email, '127.0.0.14', new Date(now.getTime() + windowMs + 1000)], // failures past the window
      [uniqueEmail('never'), '127.0.0.16', now], // nothing at all
    ] as const) {
      const keys = await keysOf(email, ip);
      const since = new Date(at.getTime() - 30 * 86400_000);
      const apart = {
        account: (await findPasswordAccount(db, email, ip, since)) ?? null,
        failures: await store.read([keys.account, keys.pair], at, windowMs),
      };
      const together = await readAccountAndFailures(db, {
        email,
        ip,
        since,
        keys: [keys.account, keys.pair],
        now: at,
        windowMs,
      });
      assert.deepEqual(together, apart, `${email} from ${ip}`);
      seen.push(together);
    }
    assert.equal(seen[0]!.account?.known_address, true);
    assert.deepEqual(
      seen.map((r) => r.failures.map((f) => f.failures)),
      [
        [1, 1],
        [1, 0],
        [1, 1],
        [0, 0],
        [0, 0],
      ],
    );
  });
});
