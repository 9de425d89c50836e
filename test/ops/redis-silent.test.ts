import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createPasswordAccount, signInWithPassword } from '../support/orcid.js';
import {
  addSamlUser,
  authenticateAtIdp,
  forEachBackendWithSamlIdp,
  postToAcs,
  readAcsForm,
  signInWithSaml,
} from '../support/saml-sign-in.js';
import { freePort } from '../support/listening-app.js';
import { PUBLIC_URL } from '../support/test-app.js';
import { waitUntil } from '../support/wait.js';

/**
 * A Redis that accepts connections and never answers (its process stopped: SIGSTOP), as a hung
 * host or a frozen VM looks. Every Redis command has a bounded wait (LANYARD_REDIS_TIMEOUT_MS),
 * then its fallback: the rate limits go on without the shared count, the password throttle and
 * SAML's sign-in state use the database. A Redis of this test's own, on a free port.
 */
const missing = await new Promise<boolean>((resolve) => {
  const probe = spawn('redis-server', ['--version'], { stdio: 'ignore' });
  probe.on('error', () => resolve(true));
  probe.on('exit', (code) => resolve(code !== 0));
});
let server: ChildProcess | null = null;
let url = '';
if (missing && process.env.CI !== 'true') {
  test(
    'a Redis that never answers',
    { skip: 'redis-server is not installed (CI=true makes this a failure)' },
    () => {},
  );
} else {
  const port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {}); // refused until it listens: waited for below
  await waitUntil(
    () =>
      probe.connect().then(
        () => probe.ping(),
        () => false,
      ),
    'our redis-server to answer',
  );
  probe.disconnect();
}

/** Stops (or resumes) our Redis: its socket stays open, nothing answers. */
const signal = (sig: 'SIGSTOP' | 'SIGCONT') => void server?.kill(sig);
after(async () => {
  if (!server || server.exitCode !== null) return;
  signal('SIGCONT');
  const gone = new Promise((resolve) => server!.once('exit', resolve));
  server.kill('SIGKILL');
  await gone;
});

/** Warnings the apps log, one JSON line each. */
const logged: { msg: string }[] = [];
const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line) as { msg: string }) });
const prefix = `lanyard-test-${randomBytes(6).toString('hex')}:`;

/**
 * Far above the 500 ms a command may wait; without the bound a sign-in waits for ever. Not a
 * measure of speed: a sign-in (an argon2id hash, several bounded Redis calls) on a busy machine
 * may take many seconds, and only one that never ends must fail.
 */
const BOUND_MS = 60_000;
async function within<T>(what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not complete within ${BOUND_MS} ms`)), BOUND_MS);
  });
  try {
    return await Promise.race([work(), late]);
  } finally {
    clearTimeout(timer);
  }
}

if (server)
  forEachBackendWithSamlIdp(
    'a Redis that never answers',
    (ctx, backend) => {
      /** How many of our keys Redis holds that match `pattern`. */
      const keys = async (pattern: string) => {
        const client = new Redis(url, { maxRetriesPerRequest: 0 });
        try {
          return (await client.keys(`${prefix}${pattern}`)).length;
        } finally {
          client.disconnect();
        }
      };

      test('with Redis answering, sign-ins keep their state in Redis', async () => {
        const { app, idp } = ctx();
        await createPasswordAccount(app, `ada-${backend}@uni-a.example`);
        assert.equal((await signInWithPassword(app.browser(), `ada-${backend}@uni-a.example`)).location, '/profile');
        const user = await addSamlUser(idp, { mail: [`first-${backend}@uni-a.example`] });
        const pending = await keys('flow:saml:req:*');
        const post = await authenticateAtIdp(app.browser(), user);
        assert.equal(await keys('flow:saml:req:*'), pending + 1, 'the pending AuthnRequest is in Redis');
        assert.equal((await postToAcs(app, app.browser(), post)).acs.status, 303);
        const rows = await app.lanyard.db.selectFrom('flow_state').select('key').execute();
        // Only the replay cache, which is always the database's.
        assert.deepEqual(
          rows.filter((r) => !r.key.startsWith('saml:seen:')),
          [],
          'no sign-in state in the database while Redis answers',
        );
        assert.ok(rows.length > 0, 'the used assertion is in the database');
      });

      test('while Redis is stopped, password and SAML sign-ins complete, each fallback logged; a replay is still refused', async () => {
        const { app, idp } = ctx();
        const from = logged.length;
        const user = await addSamlUser(idp, { mail: [`during-${backend}@uni-a.example`] });
        signal('SIGSTOP');
        try {
          const signedIn = await within('a password sign-in', () =>
            signInWithPassword(app.browser(), `ada-${backend}@uni-a.example`),
          );
          assert.equal(signedIn.location, '/profile');
          const wrong = await within('a failed password sign-in', () =>
            signInWithPassword(app.browser(), `ada-${backend}@uni-a.example`, 'not the password'),
          );
          assert.equal(wrong.status, 401);
          const throttled = await app.lanyard.db.selectFrom('password_throttle').select('key').execute();
          assert.ok(throttled.length > 0, 'the failure is counted in the database');

          const browser = app.browser();
          const post = await within('the AuthnRequest', () => authenticateAtIdp(browser, user));
          const { acs, callback } = await within('the ACS', () => postToAcs(app, browser, post));
          assert.equal(acs.status, 303, acs.body.slice(0, 400));
          assert.equal(callback?.status, 303);
          assert.match(callback!.location!, /^\/external-login\//, 'the sign-in reached its registration page');

          const replay = await within('a replay', () => app.browser().post(new URL(post.action).pathname, post.fields));
          assert.equal(replay.status, 403);
          assert.match(replay.body, /SAML_REPLAYED/);

          const messages = logged.slice(from).map((l) => l.msg);
          for (const fallback of [
            /rate limits fall back to no shared limit/,
            /password throttle uses the database/,
            /SAML sign-in state uses the database/,
          ])
            assert.ok(
              messages.some((m) => fallback.test(m)),
              `logged: ${fallback.source}\n${messages.join('\n')}`,
            );
        } finally {
          signal('SIGCONT');
        }
      });

      test('attack: an IdP-initiated response used while Redis answered, replayed while it is stopped, is refused', async () => {
        const { app, idp } = ctx();
        const user = await addSamlUser(idp, { mail: [`replayed-${backend}@uni-a.example`] });
        const page = await app
          .browser()
          .get(
            `${idp.baseUrl}/unsolicited?sp=${encodeURIComponent(`${PUBLIC_URL}/auth/uni/metadata`)}&login_as=${user}`,
          );
        const post = readAcsForm(page);
        const first = await app.browser().post('/auth/uni/acs', post.fields);
        assert.equal(first.status, 303, first.body.slice(0, 400));
        signal('SIGSTOP');
        try {
          const again = await within('a replay', () => app.browser().post('/auth/uni/acs', post.fields));
          assert.equal(again.status, 403);
          assert.match(again.body, /SAML_REPLAYED/);
        } finally {
          signal('SIGCONT');
        }
      });

      test('a SAML sign-in started while Redis is stopped finishes after it answers again, on Redis once more', async () => {
        const { app, idp } = ctx();
        const user = await addSamlUser(idp, { mail: [`across-${backend}@uni-a.example`] });
        const browser = app.browser();
        signal('SIGSTOP');
        let post;
        try {
          post = await within('the AuthnRequest', () => authenticateAtIdp(browser, user));
        } finally {
          signal('SIGCONT');
        }
        const { callback } = await within('the ACS', () => postToAcs(app, browser, post));
        assert.match(callback?.location ?? '', /^\/external-login\//);
        // Once the clients have reconnected, new state goes to Redis again.
        await waitUntil(async () => {
          const pending = await keys('flow:saml:req:*');
          await authenticateAtIdp(app.browser(), await addSamlUser(idp, {}));
          return (await keys('flow:saml:req:*')) > pending;
        }, 'a pending AuthnRequest in Redis again');
        const back = await signInWithSaml(app, app.browser(), user);
        assert.match(back.location ?? '', /^\/external-login\//);
      });
    },
    {
      // IdP-initiated responses allowed: for them the replay cache is the only guard.
      uni: { allowIdpInitiated: true },
      env: {
        LANYARD_REDIS_URL: url,
        LANYARD_REDIS_PREFIX: prefix,
        LANYARD_RATE_SIGNIN_PER_MINUTE: '1000',
      },
      app: { log },
    },
  );
