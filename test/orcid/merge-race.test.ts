import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { sql } from 'kysely';
import { uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { authorizationRequest, redeem, registerRelyingParty, untilClient } from '../support/op-client.js';
import { addOrcidUser, createAccountWithOrcid, signInWithOrcid } from '../support/orcid.js';
import { TEST_ORCID_CLIENT, type TestApp } from '../support/test-app.js';
import { startOrcidEmulator, type OrcidEmulator } from '../../src/emulator/orcid/index.js';
import { waitUntil } from '../support/wait.js';
import { mergeAccounts } from '../../src/accounts/merge.js';
import { withSelfId } from '../../src/orcid-api/work.js';
import { createAccount } from '../../src/stores/accounts.js';
import { queuePut } from '../../src/stores/orcid-works.js';

/**
 * ORCID API traffic passed through to the emulator; while `holding`, ORCID's answers to creates
 * (POST …/work) are kept back until `release()`: ORCID has made the work, Lanyard has not heard.
 */
async function answerGate(target: string) {
  const held: (() => void)[] = [];
  const gate = {
    holding: false,
    held: () => held.length,
    release: () => {
      gate.holding = false;
      for (const send of held.splice(0)) send();
    },
    /** Lanyard's ORCID API URL: the gate's, which passes on to the emulator's API. */
    url: '',
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const base = new URL(target);
  const server = http.createServer((req, res) => {
    const hold = gate.holding && req.method === 'POST' && /\/work$/.test(req.url ?? '');
    const upstream = http.request(
      new URL(base.pathname + req.url!, base),
      { method: req.method, headers: req.headers },
      (answer) => {
        const send = () => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        };
        if (hold) held.push(send);
        else send();
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gate.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gate;
}

/**
 * A merge that commits while a write to ORCID of the duplicate is on its way: asked for by a
 * repository at that moment (an HTTP call, against the merge's row locks), or out at ORCID and
 * answered with the put-code after the merge moved the work. Neither may be lost.
 */
for (const backend of backends()) {
  describe(`ORCID writes racing a merge [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    let emulator: OrcidEmulator;
    let gate: Awaited<ReturnType<typeof answerGate>>;
    before(async () => {
      if (reason) return;
      // The emulator is started here so Lanyard's calls to its API can pass the gate.
      emulator = await startOrcidEmulator({ logger: false });
      gate = await answerGate(emulator.memberApiUrl);
      app = await createListeningTestApp(backend, {
        LANYARD_ORCID_ENV: 'custom',
        LANYARD_ORCID_SITE_URL: emulator.siteUrl,
        LANYARD_ORCID_API_URL: gate.url,
        LANYARD_ORCID_CLIENT_ID: TEST_ORCID_CLIENT.clientId,
        LANYARD_ORCID_CLIENT_SECRET: TEST_ORCID_CLIENT.clientSecret,
        LANYARD_ORCID_SCOPES: 'openid /read-limited /activities/update',
      });
      emulator.state.addClient({ ...TEST_ORCID_CLIENT, redirectUris: [app.url], member: true });
      app.orcid = emulator;
    });
    after(async () => {
      gate?.release();
      await app?.close();
      await gate?.close();
      await emulator?.close();
    });

    /** An account made by signing in with ORCID (the duplicate) and a password account to keep. */
    async function pair() {
      const orcid = addOrcidUser(app, {
        emails: [{ email: uniqueEmail('race'), visibility: 'public', verified: true }],
      });
      await createAccountWithOrcid(new Browser(app.app, app.url), orcid);
      const { account_id: duplicateId } = await app.lanyard.db
        .selectFrom('identity')
        .select('account_id')
        .where('provider', '=', 'orcid')
        .where('subject', '=', orcid)
        .executeTakeFirstOrThrow();
      const now = app.clock.now();
      const survivor = await createAccount(
        app.lanyard.db,
        { email: uniqueEmail('kept'), email_verified_at: now, given_name: 'Kept' },
        now,
      );
      return { orcid, duplicateId, survivorId: survivor.id };
    }
    const merge = (p: { survivorId: string; duplicateId: string }) =>
      mergeAccounts(
        app.lanyard.db,
        app.lanyard.config.publicUrl,
        { ...p, actorAccountId: null, actor: 'cli:test' },
        app.clock.now(),
      );
    const writesOf = (accountId: string) =>
      app.lanyard.db.selectFrom('orcid_write').selectAll().where('account_id', '=', accountId).execute();

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('a put-code ORCID answers after the merge moved the work is kept, with the survivor', async () => {
        const p = await pair();
        const doi = '10.5555/race.answer';
        const content = withSelfId(
          { title: 'In flight', type: 'journal-article', externalIds: [] },
          {
            type: 'doi',
            value: doi,
          },
        );
        const key = { accountId: p.duplicateId, clientId: '', externalIdType: 'doi', externalId: doi };
        gate.holding = true;
        const write = await queuePut(app.lanyard.db, key, doi, content, app.clock.now());
        // A worker sends the create; ORCID makes the work, its answer waits at the gate.
        const delivering = app.lanyard.orcidWrites.deliverDue();
        await waitUntil(async () => gate.held() > 0, 'the create at ORCID');
        const preview = await merge(p);
        assert.equal(preview.works, 1);
        gate.release();
        await delivering;
        const ended = await waitUntil(async () => {
          await app.lanyard.orcidWrites.deliverDue();
          const w = await app.lanyard.db
            .selectFrom('orcid_write')
            .selectAll()
            .where('id', '=', write.id)
            .executeTakeFirstOrThrow();
          if (w.state !== 'queued') return w;
          // Tried again later, had the answer come too late on a busy machine: make it due.
          if (w.claimed_until === null) app.clock.advance(3600_000);
          return null;
        }, 'the write to end');
        const atOrcid = emulator.state.users.get(p.orcid)!.works;
        assert.equal(atOrcid.length, 1);
        assert.equal(ended.state, 'delivered');
        assert.equal(ended.account_id, p.survivorId);
        assert.equal(Number(ended.put_code), atOrcid[0]!.putCode);
        const work = await app.lanyard.db
          .selectFrom('orcid_work')
          .select(['account_id', 'orcid', 'put_code'])
          .where('external_id', '=', doi)
          .execute();
        assert.deepEqual(
          work.map((w) => ({ ...w, put_code: w.put_code === null ? null : Number(w.put_code) })),
          [{ account_id: p.survivorId, orcid: p.orcid, put_code: atOrcid[0]!.putCode }],
          'the survivor’s work holds the put-code: its next push updates the work, not a second copy',
        );
        const events = await app.lanyard.db
          .selectFrom('audit_event')
          .select('account_id')
          .where('action', '=', 'orcid_work_pushed')
          .where(sql<string>`detail->>'write'`, '=', write.id)
          .execute();
        assert.deepEqual(events, [{ account_id: p.survivorId }]);
      });

      test(
        'a repository’s push that arrives while the merge commits is refused, never queued on the disabled account',
        // PGlite has a single connection: a transaction holds it whole, so there is no moment at
        // which a merge has locked its rows and a request waits on them.
        { skip: backend === 'pglite' ? 'needs row locks held by two connections (PostgreSQL)' : false },
        async () => {
          const p = await pair();
          const rp = await registerRelyingParty(app, { name: 'Race repository' });
          const b = new Browser(app.app, 'http://browser-origin.invalid');
          const req = await authorizationRequest(rp, { scope: 'openid orcid.works' });
          const login = await b.follow(await b.get(req.url.href));
          const returnTo = new URL(login.url).searchParams.get('returnTo')!;
          const back = await signInWithOrcid(b, p.orcid, { startPath: `${app.url}/login/orcid`, returnTo });
          const tokens = await redeem(rp, await untilClient(b, back, rp.redirect, { allowConsent: true }), req);
          assert.equal(tokens.claims()!.sub, p.duplicateId);

          // The merge is held at its very end (its notices to the outbox), its rows locked.
          const holder = new pg.Client({ connectionString: app.config.databaseUrl! });
          await holder.connect();
          // Watched from a connection of its own: in a transaction, pg_stat_activity stays as first read.
          const watcher = new pg.Client({ connectionString: app.config.databaseUrl! });
          await watcher.connect();
          /**
           * How many of the app's statements that read `pattern` wait for a lock. Named, not all
           * waits counted: the app's outbox worker waits at the held outbox too, and counted as
           * the push it let the merge commit before the push was there (then refused at its
           * token, 401, the race not run).
           */
          const waiting = async (pattern: string) =>
            (
              await watcher.query(
                `select count(*)::int as n from pg_stat_activity
                  where datname = current_database() and wait_event_type = 'Lock' and query like $1`,
                [pattern],
              )
            ).rows[0].n as number;
          try {
            await holder.query('begin');
            await holder.query('lock table email_outbox in share mode');
            const merging = merge(p);
            await waitUntil(
              async () => (await waiting('insert into "email_outbox"%')) >= 1,
              'the merge to wait at the outbox',
            );
            // The push passes its checks (the merge has not committed) and reaches the queue.
            const pushing = fetch(`${app.url}/api/orcid/works/doi/${encodeURIComponent('10.5555/race.push')}`, {
              method: 'PUT',
              headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' },
              body: JSON.stringify({ title: 'Pushed mid-merge', type: 'journal-article' }),
            });
            await waitUntil(
              async () => (await waiting('%"can_log_in" from "account"%for share')) === 1,
              'the push to wait for the merge’s locks',
            );
            await holder.query('commit');
            await merging;
            const res = await pushing;
            const body = (await res.json()) as { code?: string };
            assert.deepEqual(await writesOf(p.duplicateId), [], 'no write is left on the merged-away account');
            assert.equal(res.status, 403, JSON.stringify(body));
            assert.equal(body.code, 'ACCOUNT_DISABLED');
            assert.deepEqual(await writesOf(p.survivorId), []);
          } finally {
            await holder.end();
            await watcher.end();
          }
        },
      );
    });
  });
}
