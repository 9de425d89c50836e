import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import {
  authorizationRequest,
  redeem,
  registerRelyingParty,
  type RelyingParty,
  untilClient,
} from '../support/op-client.js';
import { addOrcidUser, createAccountWithOrcid, signInWithOrcid } from '../support/orcid.js';
import { TEST_ORCID_CLIENT, type TestApp, withOrcid } from '../support/test-app.js';
import type { FaultSpec } from '../../src/emulator/orcid/index.js';
import { waitUntil } from '../support/wait.js';
import { loadProviderTokens } from '../../src/stores/provider-tokens.js';
import { identityOf, deleteIdentity, insertIdentity } from '../../src/stores/identities.js';
import { revokeConnectedApplication } from '../../src/stores/oidc-grants.js';
import { OrcidWriteWorker } from '../../src/orcid-api/worker.js';
import { housekeeping } from '../../src/accounts/housekeeping.js';
import { mergeAccounts } from '../../src/accounts/merge.js';
import { createAccount, findAccountById } from '../../src/stores/accounts.js';
import { unlinkIdentity } from '../../src/accounts/unlink.js';
import * as oidc from 'openid-client';
import { hash, randomUUID } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';

/**
 * Repositories put works on researchers' ORCID records through Lanyard (`/api/orcid/…`), with an
 * access token of Lanyard's OpenID provider; Lanyard writes with the ORCID token it holds. All of it
 * over real HTTP: the repository's calls, the sign-ins, and Lanyard's writes to the ORCID emulator,
 * with the emulator's faults for ORCID down, rate limited, a lost answer and a revoked token.
 */
for (const backend of backends()) {
  describe(`ORCID works for repositories [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    let rp: RelyingParty;
    before(async () => {
      if (reason) return;
      app = await createListeningTestApp(backend, {
        ...withOrcid,
        LANYARD_ORCID_SCOPES: 'openid /read-limited /activities/update',
      });
      rp = await registerRelyingParty(app, { name: 'Repository A' });
    });
    after(async () => app?.close());
    beforeEach(() => app?.orcid?.state.setFaults({ api: null }));

    /** A researcher whose account was made by signing in with ORCID (so Lanyard holds their ORCID token). */
    async function researcher() {
      const email = uniqueEmail('works');
      const orcid = addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }] });
      await createAccountWithOrcid(new Browser(app.app, app.url), orcid);
      return orcid;
    }

    /** The repository's access token for the researcher, through a sign-in with ORCID at Lanyard's OP. */
    async function accessToken(client: RelyingParty, orcid: string, scope = 'openid orcid.works') {
      const b = new Browser(app.app, 'http://browser-origin.invalid');
      const req = await authorizationRequest(client, { scope });
      const login = await b.follow(await b.get(req.url.href));
      const returnTo = new URL(login.url).searchParams.get('returnTo')!;
      const back = await signInWithOrcid(b, orcid, { startPath: `${app.url}/login/orcid`, returnTo });
      const tokens = await redeem(client, await untilClient(b, back, client.redirect, { allowConsent: true }), req);
      return { token: tokens.access_token, accountId: tokens.claims()!.sub };
    }

    const workPath = (doi: string, type = 'doi') => `/api/orcid/works/${type}/${encodeURIComponent(doi)}`;
    const article = (title: string) => ({
      title,
      type: 'journal-article',
      publicationDate: { year: '2024', month: '05' },
      journalTitle: 'Journal of Tests',
      url: 'https://repo.example.org/items/1',
    });

    async function call(method: string, path: string, token: string | null, body?: unknown) {
      const res = await fetch(`${app.url}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
    }

    /** Queues a push and returns its write id (from Location). */
    async function push(token: string, doi: string, body: unknown) {
      const r = await call('PUT', workPath(doi), token, body);
      assert.equal(r.status, 202, JSON.stringify(r.json));
      assert.equal(r.headers.get('location'), `/api/orcid/writes/${r.json.id}`);
      return r.json.id as string;
    }

    /**
     * Runs the queue now (as the service's worker does on its own) until the write has ended, or has
     * been tried and waits for its next attempt; returns its status as the repository sees it.
     */
    async function settle(token: string, id: string, attempts = 1) {
      await waitUntil(async () => {
        await app.lanyard.orcidWrites.deliverDue();
        const row = await app.lanyard.db
          .selectFrom('orcid_write')
          .select(['state', 'attempts', 'claimed_until'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        // Not while a worker holds it (the service's own worker may have claimed it first).
        return row.state !== 'queued' || (row.attempts >= attempts && row.claimed_until === null);
      }, `write ${id}`);
      return (await call('GET', `/api/orcid/writes/${id}`, token)).json;
    }

    const worksAtOrcid = (orcid: string) => app.orcid!.state.users.get(orcid)!.works;
    const ours = (orcid: string) =>
      worksAtOrcid(orcid).filter((w) => w.source.kind === 'client' && w.source.clientId === TEST_ORCID_CLIENT.clientId);

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('push, re-push (an update, no duplicate at ORCID), list, delete', async () => {
        const orcid = await researcher();
        const { token } = await accessToken(rp, orcid);
        const doi = '10.5555/Push.1';
        const first = await settle(token, await push(token, doi, article('First title')));
        assert.equal(first.state, 'delivered', JSON.stringify(first));
        assert.equal(first.outcome, 'created');
        assert.equal(ours(orcid).length, 1);
        const atOrcid = ours(orcid)[0]!;
        assert.equal(first.putCode, atOrcid.putCode);
        assert.equal(atOrcid.title, 'First title');
        assert.ok(atOrcid.externalIds.some((e) => e.type === 'doi' && e.value === doi && e.relationship === 'self'));

        // The same DOI spelled as a resolver URL is the same work: an update under the same put-code.
        const again = await settle(
          token,
          await push(token, `https://doi.org/${doi.toLowerCase()}`, article('New title')),
        );
        assert.equal(again.outcome, 'updated');
        assert.equal(again.putCode, first.putCode);
        assert.equal(ours(orcid).length, 1, 'no duplicate');
        assert.equal(ours(orcid)[0]!.title, 'New title');

        const list = await call('GET', '/api/orcid/works', token);
        assert.equal(list.status, 200);
        assert.equal(list.json.works.length, 1);
        assert.equal(list.json.works[0].putCode, first.putCode);
        assert.equal(list.json.works[0].work.title, 'New title');
        assert.equal(list.json.works[0].lastWrite.state, 'delivered');

        const del = await call('DELETE', workPath(doi), token);
        assert.equal(del.status, 202);
        const deleted = await settle(token, del.json.id);
        assert.equal(deleted.state, 'delivered');
        assert.equal(deleted.outcome, 'deleted');
        assert.equal(ours(orcid).length, 0);
        assert.deepEqual((await call('GET', '/api/orcid/works', token)).json.works, []);
        assert.equal((await call('DELETE', workPath(doi), token)).json.code, 'NOT_FOUND');

        const audited = async () =>
          (
            await app.lanyard.db
              .selectFrom('audit_event')
              .select('action')
              .where('subject', '=', orcid)
              .where('action', 'in', ['orcid_work_pushed', 'orcid_work_deleted'])
              .execute()
          )
            .map((a) => a.action)
            .sort();
        // The worker writes a delivery's audit event just after the write's state: when the
        // service's own worker delivered the delete, its event may follow settle() by a moment.
        await waitUntil(async () => (await audited()).length >= 3, 'the audit events of the three writes');
        assert.deepEqual(await audited(), ['orcid_work_deleted', 'orcid_work_pushed', 'orcid_work_pushed']);
      });

      test('ORCID down, then back: retried with backoff and delivered once', async () => {
        const orcid = await researcher();
        const { token } = await accessToken(rp, orcid);
        app.orcid!.state.setFaults({ api: { status: 500 } });
        const id = await push(token, '10.5555/down.1', article('Down'));
        const tried = await settle(token, id);
        assert.equal(tried.state, 'queued');
        assert.equal(tried.error.code, 'HTTP_500');
        assert.ok(new Date(tried.nextAttemptAt) > app.clock.now(), 'not before its backoff');
        await app.lanyard.orcidWrites.deliverDue();
        assert.equal(
          (await call('GET', `/api/orcid/writes/${id}`, token)).json.attempts,
          1,
          'no retry before it is due',
        );
        app.orcid!.state.setFaults({ api: null });
        app.clock.advance(10_000);
        const done = await settle(token, id);
        assert.equal(done.state, 'delivered');
        assert.equal(done.attempts, 2);
        assert.equal(ours(orcid).length, 1);
      });

      /** A researcher's work pushed while ORCID's API is away (`fault`, left so; the caller ends it). */
      async function pushWhileOrcidAway(doi: string, title: string, fault: FaultSpec = { refuseConnections: true }) {
        const orcid = await researcher();
        const { token } = await accessToken(rp, orcid);
        app.orcid!.state.setFaults({ api: fault });
        const id = await push(token, doi, article(title)).catch((e) => {
          app.orcid!.state.setFaults({ api: null });
          throw e;
        });
        return { orcid, token, id, row: () => rowOf(id) };
      }

      const rowOf = (id: string) =>
        app.lanyard.db.selectFrom('orcid_write').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      type WriteRow = Awaited<ReturnType<typeof rowOf>>;

      /** Runs the worker until it has tried the write once more: unclaimed, and ended or due after now. */
      function nextTry(row: () => Promise<WriteRow>, label: string): Promise<WriteRow> {
        const now = app.clock.now();
        return waitUntil(async () => {
          await app.lanyard.orcidWrites.deliverDue();
          const found = await row();
          return found.claimed_until === null && (found.state !== 'queued' || found.next_attempt_at > now) && found;
        }, label);
      }

      /** Runs the worker until the write has ended: delivered, or given up on. */
      function ended(row: () => Promise<WriteRow>, label: string): Promise<WriteRow> {
        return waitUntil(async () => {
          await app.lanyard.orcidWrites.deliverDue();
          const found = await row();
          return found.state !== 'queued' && found;
        }, label);
      }

      const away = [
        { what: 'giving no answer', fault: { refuseConnections: true }, code: 'HTTP_NO_ANSWER' },
        { what: 'answering 503 (a maintenance window)', fault: { status: 503 }, code: 'HTTP_503' },
      ] satisfies { what: string; fault: FaultSpec; code: string }[];
      for (const { what, fault, code } of away)
        test(`ORCID ${what} for hours: only the first try counts, none is given up on, and the write goes out once when ORCID is back`, async () => {
          const { orcid, row } = await pushWhileOrcidAway(`10.5555/away.${code}`, `Away: ${what}`, fault);
          try {
            // Five hours, ten minutes at a time: after each step the worker tries ORCID again.
            for (let step = 0; step < 30; step++) {
              const w = await nextTry(row, `a try after step ${step}`);
              assert.equal(w.state, 'queued', `step ${step}: ${w.state} ${w.error_code}`);
              // The first try counts (the worker cannot yet tell ORCID from the write); no later one.
              assert.equal(w.attempts, 1, `step ${step}: ORCID being away counted as the write's try`);
              assert.equal(w.error_code, code);
              app.clock.advance(10 * 60_000);
            }
          } finally {
            app.orcid!.state.setFaults({ api: null });
          }
          // The repository's own access token has long expired by now; the write is read as stored.
          // The write tried last waits a minute, and so, at most, does the worker.
          app.clock.advance(60_000);
          const done = await ended(row, 'the write to go out');
          assert.equal(done.state, 'delivered');
          assert.equal(done.attempts, 2);
          assert.equal(ours(orcid).length, 1);
        });

      for (const status of [500, 502, 504] as const)
        test(`ORCID answering ${status} (a failure, not an absence): every try counts, the write is given up on after twelve`, async () => {
          const { token } = await accessToken(rp, await researcher());
          app.orcid!.state.setFaults({ api: { status } });
          try {
            const id = await push(token, `10.5555/broken.${status}`, article('Broken'));
            for (let attempt = 1; attempt <= 12; attempt++) {
              const w = await nextTry(() => rowOf(id), `try ${attempt}`);
              assert.equal(w.attempts, attempt, `try ${attempt} not counted`);
              assert.equal(w.state, attempt < 12 ? 'queued' : 'failed', `try ${attempt}: ${w.state}`);
              assert.equal(w.error_code, `HTTP_${status}`);
              app.clock.advance(3601_000);
            }
          } finally {
            app.orcid!.state.setFaults({ api: null });
          }
          // The worker hears ORCID again (a 500 never made it away; this keeps the next tests clear).
          const later = (await accessToken(rp, await researcher())).token;
          assert.equal(
            (await settle(later, await push(later, `10.5555/after.${status}`, article('After')))).state,
            'delivered',
          );
        });

      test('ORCID away (503) with a Retry-After: a try in the outage waits as long as asked, at most an hour, and does not count; the worker waits too', async () => {
        let other: string | undefined;
        const { token, row } = await pushWhileOrcidAway('10.5555/away.retry-after', 'Away, come back later', {
          status: 503,
          retryAfterSeconds: 120,
        });
        try {
          for (const [step, expected] of [
            [0, 120],
            [1, 120],
          ] as const) {
            const w = await nextTry(row, `try ${step}`);
            assert.equal(w.attempts, 1, `try ${step}: ORCID being away counted`);
            const wait = (w.next_attempt_at.getTime() - app.clock.now().getTime()) / 1000;
            assert.ok(wait >= expected - 10 && wait <= expected + 1, `try ${step}: next in ${wait} s`);
            app.clock.advance(121_000);
          }
          // A Retry-After beyond an hour is held to the hour, and still does not count.
          app.orcid!.state.setFaults({ api: { status: 503, retryAfterSeconds: 86_400 } });
          const w = await nextTry(row, 'the capped try');
          assert.equal(w.attempts, 1);
          const wait = (w.next_attempt_at.getTime() - app.clock.now().getTime()) / 1000;
          assert.ok(wait >= 3590 && wait <= 3601, `next in ${wait} s`);
          // The whole worker waits as asked, not only that write: another is not tried within it.
          other = await push(token, '10.5555/away.retry-after.2', article('Also waiting'));
          app.clock.advance(1800_000);
          await app.lanyard.orcidWrites.deliverDue();
          const untried = await rowOf(other);
          assert.equal(
            untried.error_code,
            null,
            `another write was tried within the Retry-After: ${untried.error_code}`,
          );
        } finally {
          app.orcid!.state.setFaults({ api: null });
        }
        app.clock.advance(1801_000);
        for (const id of [(await row()).id, other!])
          assert.equal((await ended(() => rowOf(id), 'the writes to go out')).state, 'delivered');
      });

      for (const { what, fault, code } of away)
        test(`ORCID ${what} for three days: the write is given up on (failed, kept, reported) and not sent when ORCID is back`, async () => {
          const { orcid, id, row } = await pushWhileOrcidAway(`10.5555/away.3days.${code}`, 'Away for days', fault);
          try {
            // A try each hour (the worker tries every minute: an outage it has not seen for two
            // hours is over as far as it knows); the write is given up on at its first try after
            // three days of the outage, which began when it was asked for.
            for (let hour = 0; hour <= 72; hour++) {
              const w = await nextTry(row, `a try at hour ${hour}`);
              assert.equal(w.state, hour < 72 ? 'queued' : 'failed', `hour ${hour}: ${w.state}`);
              assert.equal(w.attempts, 1, `hour ${hour}: ORCID's silence counted after the first`);
              assert.equal(w.error_code, code);
              app.clock.advance(3600_000);
            }
          } finally {
            app.orcid!.state.setFaults({ api: null });
          }
          // Three days on, the repository asks with a token of today.
          const { token } = await accessToken(rp, orcid);
          const status = (await call('GET', `/api/orcid/writes/${id}`, token)).json;
          assert.equal(status.state, 'failed');
          assert.equal(status.error.code, code);
          app.clock.advance(3600_000);
          await app.lanyard.orcidWrites.deliverDue();
          assert.equal((await row()).state, 'failed', 'a write given up on was tried again');
          assert.equal(ours(orcid).length, 0, 'a write given up on reached ORCID');
          // What is asked for now goes out at its first try (and the worker hears ORCID again).
          const later = (await accessToken(rp, orcid)).token;
          const now = await settle(
            later,
            await push(later, `10.5555/away.after.${code}`, article('After the silence')),
          );
          assert.equal(now.state, 'delivered');
          assert.equal(now.attempts, 1);
        });

      for (const { days, end } of [
        { days: 4, end: 'delivered' },
        { days: 8, end: 'failed' },
      ] as const)
        test(`a write that waited ${days} days for another reason (Lanyard down), then a brief outage: ${end === 'delivered' ? "not given up: three days of ORCID away, not of the write's age" : 'given up at its first uncounted try: a week is the most a write is kept'}`, async () => {
          const orcid = await researcher();
          const { token } = await accessToken(rp, orcid);
          // ORCID answers but fails the first try (counted, retried in seconds); then Lanyard is
          // down for days, and comes back during a maintenance window of ORCID's.
          app.orcid!.state.setFaults({ api: { status: 500 } });
          let id: string;
          try {
            id = await push(token, `10.5555/waited.${days}days`, article('Waited for days'));
            assert.equal((await nextTry(() => rowOf(id), 'the first try')).error_code, 'HTTP_500');
            app.orcid!.state.setFaults({ api: { status: 503 } });
            app.clock.advance(days * 24 * 3600_000);
            const found = await nextTry(() => rowOf(id), 'the try that finds ORCID away');
            assert.deepEqual([found.state, found.attempts, found.error_code], ['queued', 2, 'HTTP_503']);
            app.clock.advance(61_000);
            const minute = await nextTry(() => rowOf(id), 'a try a minute into the outage');
            assert.deepEqual(
              [minute.state, minute.attempts, minute.error_code],
              [end === 'delivered' ? 'queued' : 'failed', 2, 'HTTP_503'],
            );
          } finally {
            app.orcid!.state.setFaults({ api: null });
          }
          app.clock.advance(61_000);
          if (end === 'delivered') {
            assert.equal((await ended(() => rowOf(id), 'the write to go out')).state, 'delivered');
            assert.equal(ours(orcid).length, 1);
          } else {
            await app.lanyard.orcidWrites.deliverDue();
            assert.equal((await rowOf(id)).state, 'failed', 'a write given up on was tried again');
            assert.equal(ours(orcid).length, 0);
            // The worker hears ORCID again: what is asked for now (with a token of today) goes out at its first try.
            const today = (await accessToken(rp, orcid)).token;
            const now = await settle(today, await push(today, '10.5555/waited.after', article('After')));
            assert.deepEqual([now.state, now.attempts], ['delivered', 1]);
          }
        });

      test('rate limited (503): retried later, delivered', async () => {
        const orcid = await researcher();
        const { token } = await accessToken(rp, orcid);
        app.orcid!.state.setFaults({ api: { status: 503, times: 1 } });
        const id = await push(token, '10.5555/busy.1', article('Busy'));
        const tried = await settle(token, id);
        assert.equal(tried.state, 'queued');
        assert.equal(tried.error.status, 503);
        app.clock.advance(10_000);
        assert.equal((await settle(token, id, 2)).state, 'delivered');
        assert.equal(ours(orcid).length, 1);
      });

      test('rate limited with Retry-After: the next try waits at least that long, at most the longest backoff', async () => {
        const orcid = await researcher();
        const { token } = await accessToken(rp, orcid);
        app.orcid!.state.setFaults({ api: { status: 503, times: 1, retryAfterSeconds: 120 } });
        const id = await push(token, '10.5555/later.1', article('Later'));
        const tried = await settle(token, id);
        assert.equal(tried.state, 'queued');
        assert.equal(tried.error.status, 503);
        // The backoff alone would be 5 s; ORCID asked for 120 (the test clock also runs on its own).
        const wait = (Date.parse(tried.nextAttemptAt) - app.clock.now().getTime()) / 1000;
        assert.ok(wait >= 110 && wait <= 121, `next try in ${wait} s`);
        app.clock.advance(60_000);
        await app.lanyard.orcidWrites.deliverDue();
        assert.equal(
          (await call('GET', `/api/orcid/writes/${id}`, token)).json.attempts,
          1,
          'tried before Retry-After',
        );
        app.clock.advance(61_000);
        assert.equal((await settle(token, id, 2)).state, 'delivered');
        assert.equal(ours(orcid).length, 1);

        // A Retry-After beyond the longest backoff (an hour) is capped at it.
        app.orcid!.state.setFaults({ api: { status: 503, times: 1, retryAfterSeconds: 86_400 } });
        const cappedId = await push(token, '10.5555/later.2', article('Much later'));
        const capped = await settle(token, cappedId);
        const cappedWait = (Date.parse(capped.nextAttemptAt) - app.clock.now().getTime()) / 1000;
        assert.ok(cappedWait >= 3590 && cappedWait <= 3601, `next try in ${cappedWait} s`);
        // An hour on, it goes out (with a token of then: the repository's has expired).
        app.clock.advance(3601_000);
        const { token: later } = await accessToken(rp, orcid);
        assert.equal((await settle(later, cappedId, 2)).state, 'delivered');
      });

      test('a lost answer (ORCID created the work, Lanyard never heard): the retry finds it, no duplicate', async () => {
        const orcid = await researcher();
        const { token } = await accessToken(rp, orcid);
        app.orcid!.state.setFaults({ api: { loseResponse: true, times: 1 } });
        const id = await push(token, '10.5555/lost.1', article('Lost'));
        const tried = await settle(token, id);
        assert.equal(tried.state, 'queued');
        assert.equal(ours(orcid).length, 1, 'ORCID did create it');
        app.clock.advance(10_000);
        const done = await settle(token, id, 2);
        assert.equal(done.state, 'delivered');
        assert.equal(done.putCode, ours(orcid)[0]!.putCode);
        assert.equal(ours(orcid).length, 1, 'still one work');
        // …and the put-code is known from then on: a re-push updates it.
        assert.equal((await settle(token, await push(token, '10.5555/lost.1', article('Found')))).outcome, 'updated');
        assert.equal(ours(orcid).length, 1);
        assert.equal(ours(orcid)[0]!.title, 'Found');
      });

      test('a work ORCID refuses (400): its error code and message reported, never retried', async () => {
        const orcid = await researcher();
        const { token } = await accessToken(rp, orcid);
        const id = await push(token, '10.5555/bad.1', {
          ...article('Bad date'),
          publicationDate: { year: '2024', day: '05' },
        });
        const w = await settle(token, id);
        assert.equal(w.state, 'failed');
        assert.deepEqual([w.error.code, w.error.status], ['9020', 400]);
        assert.match(w.error.message, /month/);
        app.clock.advance(600_000);
        await app.lanyard.orcidWrites.deliverDue();
        assert.equal((await call('GET', `/api/orcid/writes/${id}`, token)).json.attempts, 1);
        assert.equal(ours(orcid).length, 0);
      });

      test('attack: bad input is refused with a stable code and queues nothing', async () => {
        const orcid = await researcher();
        const { token, accountId } = await accessToken(rp, orcid);
        const cases: [string, unknown][] = [
          [workPath('10.5555/x'), { type: 'journal-article' }],
          [workPath('10.5555/x'), { ...article('T'), type: 'poem' }],
          [workPath('10.5555/x'), { ...article('  ') }],
          [workPath('10.5555/x'), { ...article('T'), extra: 1 }],
          [workPath('10.5555/x'), { ...article('T'), url: 'javascript:alert(1)' }],
          [workPath('10.5555/x', 'nonsense'), article('T')],
          [
            workPath('10.5555/x'),
            { ...article('T'), externalIds: [{ type: 'doi', value: 'x', relationship: 'mine' }] },
          ],
        ];
        for (const [path, body] of cases) {
          const r = await call('PUT', path, token, body);
          assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}`);
          assert.equal(r.json.code, 'VALIDATION_FAILED');
        }
        const queued = await app.lanyard.db
          .selectFrom('orcid_write')
          .select('id')
          .where('account_id', '=', accountId)
          .execute();
        assert.equal(queued.length, 0);
      });

      test('attack: a repository cannot see, delete or overwrite another repository’s works', async () => {
        const orcid = await researcher();
        const a = await accessToken(rp, orcid);
        const other = await registerRelyingParty(app, { name: 'Repository B' });
        const b = await accessToken(other, orcid);
        const doi = '10.5555/mine.1';
        const pushed = await settle(a.token, await push(a.token, doi, article('A’s work')));
        assert.equal(pushed.state, 'delivered');

        assert.deepEqual((await call('GET', '/api/orcid/works', b.token)).json.works, []);
        assert.equal((await call('GET', `/api/orcid/writes/${pushed.id}`, b.token)).status, 404);
        const del = await call('DELETE', workPath(doi), b.token);
        assert.equal(del.status, 404);
        assert.equal(del.json.code, 'NOT_FOUND');
        await app.lanyard.orcidWrites.deliverDue();
        assert.equal(ours(orcid).length, 1, 'still on the record');

        // The same DOI from B: ORCID sees one source (Lanyard) and refuses a duplicate; B must not
        // take over A's work.
        const clash = await settle(b.token, await push(b.token, doi, article('B’s overwrite')));
        assert.equal(clash.state, 'failed');
        assert.equal(clash.error.code, 'ORCID_DUPLICATE');
        assert.equal(ours(orcid).length, 1);
        assert.equal(ours(orcid)[0]!.title, 'A’s work');
        assert.equal((await call('GET', '/api/orcid/works', a.token)).json.works[0].putCode, pushed.putCode);
      });

      test('attack: foreign, unknown and scope-less tokens are refused; nothing queued', async () => {
        const orcid = await researcher();
        const { token: scopeless, accountId } = await accessToken(rp, orcid, 'openid profile');
        const r = await call('PUT', workPath('10.5555/s.1'), scopeless, article('No scope'));
        assert.equal(r.status, 403);
        assert.equal(r.json.code, 'ACCESS_TOKEN_SCOPE');
        assert.match(r.headers.get('www-authenticate') ?? '', /insufficient_scope/);
        assert.equal((await call('GET', '/api/orcid/works', scopeless)).json.code, 'ACCESS_TOKEN_SCOPE');

        const identity = await identityOf(app.lanyard.db, accountId, 'orcid');
        const orcidToken = (await loadProviderTokens(app.lanyard.db, app.config.secretKeys, identity!.id))!.accessToken;
        for (const foreign of [orcidToken, 'x'.repeat(43), 'not-a-token']) {
          const f = await call('PUT', workPath('10.5555/s.1'), foreign, article('Foreign'));
          assert.equal(f.status, 401, foreign);
          assert.equal(f.json.code, 'ACCESS_TOKEN_INVALID');
          assert.match(f.headers.get('www-authenticate') ?? '', /invalid_token/);
        }
        assert.equal((await call('GET', '/api/orcid/works', null)).json.code, 'AUTH_REQUIRED');
        const queued = await app.lanyard.db
          .selectFrom('orcid_write')
          .select('id')
          .where('account_id', '=', accountId)
          .execute();
        assert.equal(queued.length, 0);
      });

      test('token revoked at ORCID: the link needs consent, queued writes stop, no retry', async () => {
        const orcid = await researcher();
        const { token, accountId } = await accessToken(rp, orcid);
        const identity = await identityOf(app.lanyard.db, accountId, 'orcid');
        const stored = (await loadProviderTokens(app.lanyard.db, app.config.secretKeys, identity!.id))!;
        const revoked = await fetch(`${app.orcid!.siteUrl}/oauth/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            token: stored.accessToken,
            client_id: TEST_ORCID_CLIENT.clientId,
            client_secret: TEST_ORCID_CLIENT.clientSecret,
          }),
        });
        assert.equal(revoked.status, 200);
        // Two writes waiting behind ORCID being down; then ORCID answers again, refusing the token.
        app.orcid!.state.setFaults({ api: { status: 500 } });
        const first = await push(token, '10.5555/rev.1', article('One'));
        const second = await push(token, '10.5555/rev.2', article('Two'));
        await settle(token, first);
        await settle(token, second);
        app.orcid!.state.setFaults({ api: null });
        app.clock.advance(10_000);
        const w1 = await settle(token, first, 2);
        const w2 = await settle(token, second, 2);
        for (const w of [w1, w2]) {
          assert.equal(w.state, 'needs_consent');
          assert.equal(w.error.code, 'ORCID_CONSENT_REQUIRED');
        }
        // ORCID's refusal names the token it refused; neither the repository nor the stored write sees it.
        const shown = await call('GET', `/api/orcid/writes/${first}`, token);
        assert.ok(
          !JSON.stringify(shown.json).includes(stored.accessToken),
          `the ORCID token leaked: ${JSON.stringify(shown.json)}`,
        );
        const kept = await app.lanyard.db.selectFrom('orcid_write').selectAll().where('id', '=', first).execute();
        assert.ok(!JSON.stringify(kept).includes(stored.accessToken), 'the ORCID token is stored in the clear');
        const row = await app.lanyard.db
          .selectFrom('provider_token')
          .select('needs_consent_at')
          .where('identity_id', '=', identity!.id)
          .executeTakeFirstOrThrow();
        assert.ok(row.needs_consent_at, 'the link is marked for the profile to show');
        const attempts = [w1.attempts, w2.attempts];
        app.clock.advance(600_000);
        await app.lanyard.orcidWrites.deliverDue();
        assert.deepEqual(
          [
            (await call('GET', `/api/orcid/writes/${first}`, token)).json.attempts,
            (await call('GET', `/api/orcid/writes/${second}`, token)).json.attempts,
          ],
          attempts,
          'never retried',
        );
        const again = await call('PUT', workPath('10.5555/rev.3'), token, article('Three'));
        assert.equal(again.status, 409);
        assert.equal(again.json.code, 'ORCID_CONSENT_REQUIRED');
        assert.equal(ours(orcid).length, 0);
      });

      test('the researcher unlinks ORCID or withdraws the repository while writes wait: they stop, marked', async () => {
        const orcid = await researcher();
        const { token, accountId } = await accessToken(rp, orcid);
        app.orcid!.state.setFaults({ api: { status: 500 } });
        const waiting = await push(token, '10.5555/wd.1', article('Waiting'));
        await settle(token, waiting);
        const identity = await identityOf(app.lanyard.db, accountId, 'orcid');
        await deleteIdentity(app.lanyard.db, identity!.id);
        app.orcid!.state.setFaults({ api: null });
        app.clock.advance(10_000);
        const w = await settle(token, waiting, 2);
        assert.equal(w.state, 'needs_consent');
        assert.equal(w.error.code, 'ORCID_NOT_LINKED');
        assert.equal(ours(orcid).length, 0);
        assert.equal(
          (await call('PUT', workPath('10.5555/wd.2'), token, article('After'))).json.code,
          'ORCID_NOT_LINKED',
        );

        // Another researcher withdraws the repository's access at Lanyard: token dead, writes stop.
        const orcid2 = await researcher();
        const two = await accessToken(rp, orcid2);
        app.orcid!.state.setFaults({ api: { status: 500 } });
        const pending = await push(two.token, '10.5555/wd.3', article('Pending'));
        await settle(two.token, pending);
        await revokeConnectedApplication(app.lanyard.db, two.accountId, rp.clientId);
        app.orcid!.state.setFaults({ api: null });
        app.clock.advance(10_000);
        await app.lanyard.orcidWrites.deliverDue();
        const row = await app.lanyard.db
          .selectFrom('orcid_write')
          .selectAll()
          .where('id', '=', pending)
          .executeTakeFirstOrThrow();
        assert.equal(row.state, 'needs_consent');
        assert.equal(row.error_code, 'GRANT_WITHDRAWN');
        assert.equal(ours(orcid2).length, 0);
        const refused = await call('GET', '/api/orcid/works', two.token);
        assert.equal(refused.status, 401);
        assert.equal(refused.json.code, 'ACCESS_TOKEN_INVALID');
      });

      test('attack: after the researcher unlinks ORCID, the repository’s orcid.works token and refresh token are dead', async () => {
        // The leave was given for the iD linked then: kept, it would write to whichever iD comes next.
        const orcid = await researcher();
        const b = new Browser(app.app, 'http://browser-origin.invalid');
        const req = await authorizationRequest(rp, { scope: 'openid orcid.works' });
        const login = await b.follow(await b.get(req.url.href));
        const returnTo = new URL(login.url).searchParams.get('returnTo')!;
        const back = await signInWithOrcid(b, orcid, { startPath: `${app.url}/login/orcid`, returnTo });
        const tokens = await redeem(rp, await untilClient(b, back, rp.redirect, { allowConsent: true }), req);
        const accountId = tokens.claims()!.sub;
        assert.equal((await call('GET', '/api/orcid/works', tokens.access_token)).status, 200);

        await insertIdentity(app.lanyard.db, accountId, { provider: 'password', subject: accountId }, app.clock.now());
        const account = (await findAccountById(app.lanyard.db, accountId))!;
        await unlinkIdentity(app.lanyard, account, (await identityOf(app.lanyard.db, accountId, 'orcid'))!.id, null);

        const refused = await call('GET', '/api/orcid/works', tokens.access_token);
        assert.equal(refused.status, 401, JSON.stringify(refused.json));
        assert.equal(refused.json.code, 'ACCESS_TOKEN_INVALID');
        await assert.rejects(oidc.refreshTokenGrant(rp.config, tokens.refresh_token!), { error: 'invalid_grant' });
      });

      /** An access token bound to a key of the repository's own (DPoP, RFC 9449), as openid-client gets it. */
      async function boundToken(orcid: string, alg = 'ES256', scope = 'openid orcid.works') {
        const keys = await oidc.randomDPoPKeyPair(alg);
        const dpop = oidc.getDPoPHandle(rp.config, keys);
        const b = new Browser(app.app, 'http://browser-origin.invalid');
        const req = await authorizationRequest(rp, { scope });
        const login = await b.follow(await b.get(req.url.href));
        const returnTo = new URL(login.url).searchParams.get('returnTo')!;
        const back = await signInWithOrcid(b, orcid, { startPath: `${app.url}/login/orcid`, returnTo });
        const callback = await untilClient(b, back, rp.redirect, { allowConsent: true });
        const tokens = await oidc.authorizationCodeGrant(
          rp.config,
          callback,
          { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce },
          undefined,
          { DPoP: dpop },
        );
        assert.equal(tokens.token_type, 'dpop');
        return { token: tokens.access_token, accountId: tokens.claims()!.sub, keys, dpop };
      }

      /** A proof as RFC 9449 §4.2 makes one, signed by `keys`; `claims` override what it says. */
      async function proof(
        keys: Awaited<ReturnType<typeof oidc.randomDPoPKeyPair>>,
        method: string,
        path: string,
        token: string,
        claims = {},
      ) {
        return new SignJWT({
          jti: randomUUID(),
          htm: method,
          htu: `${app.url}${path}`,
          iat: Math.floor(Date.now() / 1000),
          ath: hash('sha256', token, 'base64url'),
          ...claims,
        })
          .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(keys.publicKey) })
          .sign(keys.privateKey);
      }

      /** A push with `Authorization: DPoP` and the given proof (none when undefined). */
      async function pushBound(token: string, doi: string, dpopProof: string | undefined, scheme = 'DPoP') {
        const res = await fetch(`${app.url}${workPath(doi)}`, {
          method: 'PUT',
          headers: {
            accept: 'application/json',
            authorization: `${scheme} ${token}`,
            'content-type': 'application/json',
            ...(dpopProof === undefined ? {} : { dpop: dpopProof }),
          },
          body: JSON.stringify(article('Bound')),
        });
        return { status: res.status, headers: res.headers, json: (await res.json()) as { code?: string; id?: string } };
      }

      const writesOf = async (accountId: string) =>
        (await app.lanyard.db.selectFrom('orcid_write').select('id').where('account_id', '=', accountId).execute())
          .length;

      test('a repository whose tokens are bound to its key (DPoP) pushes, reads and deletes works with the proofs openid-client makes', async () => {
        const orcid = await researcher();
        const { token, keys, dpop } = await boundToken(orcid);
        const at = (path: string) => new URL(`${app.url}${path}`);
        const json = new Headers({ accept: 'application/json', 'content-type': 'application/json' });
        const doi = '10.5555/dpop.ok';
        const pushed = await oidc.fetchProtectedResource(
          rp.config,
          token,
          at(workPath(doi)),
          'PUT',
          JSON.stringify(article('Bound to a key')),
          json,
          { DPoP: dpop },
        );
        assert.equal(pushed.status, 202, await pushed.clone().text());
        const { id } = (await pushed.json()) as { id: string };
        const read = async (path: string) => {
          const res = await oidc.fetchProtectedResource(rp.config, token, at(path), 'GET', undefined, json, {
            DPoP: dpop,
          });
          assert.equal(res.status, 200, `${path}: ${res.status}`);
          return (await res.json()) as Record<string, unknown>;
        };
        const done = await waitUntil(async () => {
          await app.lanyard.orcidWrites.deliverDue();
          const write = await read(`/api/orcid/writes/${id}`);
          return write.state !== 'queued' && write;
        }, 'the push to go out');
        assert.equal(done.state, 'delivered');
        assert.equal(ours(orcid).length, 1);
        assert.equal(((await read('/api/orcid/works')).works as unknown[]).length, 1);
        const deleted = await oidc.fetchProtectedResource(
          rp.config,
          token,
          at(workPath(doi)),
          'DELETE',
          undefined,
          json,
          {
            DPoP: dpop,
          },
        );
        assert.equal(deleted.status, 202, await deleted.clone().text());
        // Each call had a proof of its own; the same proof again is a replay (below). The key
        // makes the proofs by hand too: what the tests below vary is the proof, not the key. The
        // URL a proof names is compared without its query and fragment (RFC 9449 §4.3).
        const own = await pushBound(
          token,
          '10.5555/dpop.own',
          await proof(keys, 'PUT', workPath('10.5555/dpop.own'), token, {
            htu: `${app.url}${workPath('10.5555/dpop.own')}?via=batch#top`,
          }),
        );
        assert.equal(own.status, 202, JSON.stringify(own.json));
        // Every algorithm the provider binds tokens with is one a proof here may use.
        const ed = await boundToken(orcid, 'Ed25519');
        const edPushed = await oidc.fetchProtectedResource(
          rp.config,
          ed.token,
          at(workPath('10.5555/dpop.ed25519')),
          'PUT',
          JSON.stringify(article('Bound to an Ed25519 key')),
          json,
          { DPoP: ed.dpop },
        );
        assert.equal(edPushed.status, 202, await edPushed.clone().text());
      });

      test('attack: a DPoP-bound access token, stolen and presented as Bearer, without a proof or with a proof of another key, is refused; nothing queued', async () => {
        const orcid = await researcher();
        const { token, accountId, keys } = await boundToken(orcid);
        // The provider's own resource checks the binding: the token alone does not read userinfo.
        const userinfo = await fetch(`${app.url}/oidc/me`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(userinfo.status, 401);

        const asBearer = await pushBound(token, '10.5555/dpop.1', undefined, 'Bearer');
        assert.equal(asBearer.status, 401);
        assert.equal(asBearer.json.code, 'ACCESS_TOKEN_INVALID');
        // The refusal names the scheme the token wants.
        assert.match(
          asBearer.headers.get('www-authenticate') ?? '',
          /^Bearer error="invalid_token".*, DPoP algs="ES256/,
        );
        const listed = await call('GET', '/api/orcid/works', token);
        assert.equal(listed.status, 401);
        assert.match(listed.headers.get('www-authenticate') ?? '', /invalid_token/);

        const noProof = await pushBound(token, '10.5555/dpop.2', undefined);
        assert.equal(noProof.status, 401);
        assert.equal(noProof.json.code, 'DPOP_PROOF_INVALID');
        assert.match(noProof.headers.get('www-authenticate') ?? '', /^DPoP error="invalid_dpop_proof".*algs="ES256/);
        // The thief's own key makes a proof right in every other way: it is not the key the token is bound to.
        const thief = await oidc.randomDPoPKeyPair();
        const path = workPath('10.5555/dpop.3');
        const otherKey = await pushBound(token, '10.5555/dpop.3', await proof(thief, 'PUT', path, token));
        assert.equal(otherKey.status, 401);
        assert.equal(otherKey.json.code, 'DPOP_PROOF_INVALID');
        // The token's own key in the header, the thief's signature under it.
        const [header] = (await proof(keys, 'PUT', path, token)).split('.');
        const [, claims, signature] = (await proof(thief, 'PUT', path, token)).split('.');
        const swapped = await pushBound(token, '10.5555/dpop.3', [header, claims, signature].join('.'));
        assert.equal(swapped.json.code, 'DPOP_PROOF_INVALID');
        assert.equal(await writesOf(accountId), 0);
      });

      test('attack: a proof replayed, made for another method, URL or token, too old, or with a nonce Lanyard never gave, is refused; nothing queued', async () => {
        const orcid = await researcher();
        const { token, accountId, keys } = await boundToken(orcid);
        const doi = '10.5555/dpop.replay';
        const path = workPath(doi);
        const refused = async (what: string, dpopProof: string) => {
          const r = await pushBound(token, doi, dpopProof);
          assert.equal(r.status, 401, `${what}: ${r.status} ${JSON.stringify(r.json)}`);
          assert.equal(r.json.code, 'DPOP_PROOF_INVALID', what);
        };
        await refused('a proof for GET', await proof(keys, 'GET', path, token));
        await refused('a proof for another work', await proof(keys, 'PUT', workPath('10.5555/other'), token));
        await refused(
          'a proof for another host',
          await proof(keys, 'PUT', path, token, { htu: `http://evil.invalid${path}` }),
        );
        await refused(
          'a proof for another token',
          await proof(keys, 'PUT', path, token, { ath: hash('sha256', 'x', 'base64url') }),
        );
        await refused('a proof without ath', await proof(keys, 'PUT', path, token, { ath: undefined }));
        await refused('a proof without jti', await proof(keys, 'PUT', path, token, { jti: undefined }));
        await refused(
          'a proof six minutes old',
          await proof(keys, 'PUT', path, token, { iat: Math.floor(Date.now() / 1000) - 360 }),
        );
        await refused(
          'a proof from six minutes ahead',
          await proof(keys, 'PUT', path, token, { iat: Math.floor(Date.now() / 1000) + 360 }),
        );
        await refused('a proof with a nonce', await proof(keys, 'PUT', path, token, { nonce: 'n-0S6_WzA2Mj' }));
        const untyped = await new SignJWT({
          jti: randomUUID(),
          htm: 'PUT',
          htu: `${app.url}${path}`,
          iat: Math.floor(Date.now() / 1000),
          ath: hash('sha256', token, 'base64url'),
        })
          .setProtectedHeader({ alg: 'ES256', jwk: await exportJWK(keys.publicKey) })
          .sign(keys.privateKey);
        await refused('a JWT that is not typed dpop+jwt', untyped);
        // Signed with a shared secret, or not at all, beside the bound key's public half.
        const claims = {
          jti: randomUUID(),
          htm: 'PUT',
          htu: `${app.url}${path}`,
          iat: Math.floor(Date.now() / 1000),
          ath: hash('sha256', token, 'base64url'),
        };
        const jwk = await exportJWK(keys.publicKey);
        await refused(
          'a proof signed HS256',
          await new SignJWT(claims)
            .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk })
            .sign(new TextEncoder().encode('a shared secret of thirty-two bytes')),
        );
        const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        await refused('an unsigned proof', `${b64({ alg: 'none', typ: 'dpop+jwt', jwk })}.${b64(claims)}.`);
        assert.equal(await writesOf(accountId), 0, 'a refused proof queued a write');

        // Two requests with one proof, at the same moment: only the first is taken.
        const once = await proof(keys, 'PUT', path, token);
        const both = await Promise.all([pushBound(token, doi, once), pushBound(token, doi, once)]);
        assert.deepEqual(both.map((r) => r.status).sort(), [202, 401], JSON.stringify(both.map((r) => r.json)));
        assert.equal(both.find((r) => r.status === 401)!.json.code, 'DPOP_PROOF_INVALID');
        await refused('the same proof later', once);
        // The jti is what is remembered: a new proof with it is a replay too, until the record
        // expires (ten minutes and a second by Lanyard's clock), and then it is taken again.
        const jti = randomUUID();
        const usedAt = app.clock.now().getTime();
        assert.equal((await pushBound(token, doi, await proof(keys, 'PUT', path, token, { jti }))).status, 202);
        await refused('a new proof with a used jti', await proof(keys, 'PUT', path, token, { jti }));
        const record = await app.lanyard.db
          .selectFrom('oidc_payload')
          .select('expires_at')
          .where('model', '=', 'ReplayDetection')
          .where('id', '=', hash('sha256', `${rp.clientId}${jti}`, 'base64url'))
          .executeTakeFirstOrThrow();
        // Kept as long as the proof could still be taken: an iat five minutes ahead, five minutes on.
        assert.ok(record.expires_at!.getTime() - usedAt >= 601_000, `kept ${record.expires_at!.getTime() - usedAt} ms`);
        app.clock.advance(300_000);
        await refused('a used jti five minutes on', await proof(keys, 'PUT', path, token, { jti }));
        app.clock.advance(record.expires_at!.getTime() - app.clock.now().getTime() + 1_000);
        const again = await pushBound(token, doi, await proof(keys, 'PUT', path, token, { jti }));
        assert.equal(again.status, 202, `a jti whose record expired: ${JSON.stringify(again.json)}`);
        assert.equal(await writesOf(accountId), 3);
      });

      test('a bound token without orcid.works, with a good proof: 403 under the DPoP scheme; nothing queued', async () => {
        const orcid = await researcher();
        const { token, accountId, keys } = await boundToken(orcid, 'ES256', 'openid');
        const path = workPath('10.5555/dpop.scope');
        const r = await pushBound(token, '10.5555/dpop.scope', await proof(keys, 'PUT', path, token));
        assert.equal(r.status, 403, JSON.stringify(r.json));
        assert.equal(r.json.code, 'ACCESS_TOKEN_SCOPE');
        assert.match(r.headers.get('www-authenticate') ?? '', /^DPoP error="insufficient_scope"/);
        assert.equal(await writesOf(accountId), 0);
      });

      test('a token bound to no key, sent as DPoP with a proof, is refused: it is a Bearer token', async () => {
        const orcid = await researcher();
        const { token, accountId } = await accessToken(rp, orcid);
        const keys = await oidc.randomDPoPKeyPair();
        const r = await pushBound(
          token,
          '10.5555/dpop.unbound',
          await proof(keys, 'PUT', workPath('10.5555/dpop.unbound'), token),
        );
        assert.equal(r.status, 401);
        assert.equal(r.json.code, 'ACCESS_TOKEN_INVALID');
        assert.match(r.headers.get('www-authenticate') ?? '', /^DPoP error="invalid_token"/);
        assert.equal(await writesOf(accountId), 0);
      });

      test('attack: a token whose grant is gone (its row still stored) is refused; nothing queued', async () => {
        const orcid = await researcher();
        const { token, accountId } = await accessToken(rp, orcid);
        assert.equal((await call('GET', '/api/orcid/works', token)).status, 200);
        // The grant ends on its own (it expired, or anything removed it without sweeping its tokens):
        // only the grant's row goes, the access token's stays and still looks valid by itself.
        const stored = await app.lanyard.db
          .selectFrom('oidc_payload')
          .select('grant_id')
          .where('model', '=', 'AccessToken')
          .where('id', '=', token)
          .executeTakeFirstOrThrow();
        const gone = await app.lanyard.db
          .deleteFrom('oidc_payload')
          .where('model', '=', 'Grant')
          .where('id', '=', stored.grant_id!)
          .executeTakeFirst();
        assert.equal(gone.numDeletedRows, 1n);
        const r = await call('PUT', workPath('10.5555/ng.1'), token, article('No grant'));
        assert.equal(r.status, 401);
        assert.equal(r.json.code, 'ACCESS_TOKEN_INVALID');
        assert.match(r.headers.get('www-authenticate') ?? '', /invalid_token/);
        assert.equal((await call('GET', '/api/orcid/works', token)).json.code, 'ACCESS_TOKEN_INVALID');
        const queued = await app.lanyard.db
          .selectFrom('orcid_write')
          .select('id')
          .where('account_id', '=', accountId)
          .execute();
        assert.equal(queued.length, 0);
      });

      test('the researcher’s own session: writes need the CSRF header; a repository does not see them', async () => {
        const b = new Browser(app.app, app.url);
        const email = uniqueEmail('works-session');
        const orcid = addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }] });
        await createAccountWithOrcid(b, orcid);
        const json = { 'content-type': 'application/json', accept: 'application/json' };
        const body = JSON.stringify(article('My own'));
        const doi = '10.5555/own.1';
        const noCsrf = await b.request('PUT', workPath(doi), body, json);
        assert.equal(noCsrf.status, 403);
        assert.equal(JSON.parse(noCsrf.body).code, 'CSRF_FAILED');
        const csrf = (await b.request('GET', '/api/security/csrf', undefined, { accept: 'application/json' })).headers[
          'dspace-xsrf-token'
        ] as string;
        const put = await b.request('PUT', workPath(doi), body, { ...json, 'x-xsrf-token': csrf });
        assert.equal(put.status, 202, put.body);
        const id = JSON.parse(put.body).id as string;
        await waitUntil(async () => {
          await app.lanyard.orcidWrites.deliverDue();
          const w = await b.request('GET', `/api/orcid/writes/${id}`, undefined, { accept: 'application/json' });
          return JSON.parse(w.body).state === 'delivered';
        }, 'the researcher’s own push');
        assert.equal(ours(orcid).length, 1);
        const mine = await b.request('GET', '/api/orcid/works', undefined, { accept: 'application/json' });
        assert.equal(JSON.parse(mine.body).works.length, 1);

        const repo = await accessToken(rp, orcid);
        assert.deepEqual((await call('GET', '/api/orcid/works', repo.token)).json.works, []);
        assert.equal((await call('DELETE', workPath(doi), repo.token)).status, 404);
        assert.equal((await call('GET', `/api/orcid/writes/${id}`, repo.token)).status, 404);
        assert.equal(ours(orcid).length, 1);
      });

      test('two workers on one queue: every write delivered once, no duplicate at ORCID', async () => {
        const orcid = await researcher();
        const { token } = await accessToken(rp, orcid);
        // Queued while ORCID is down, so none is delivered before both workers run.
        app.orcid!.state.setFaults({ api: { status: 500 } });
        const ids = [];
        for (let i = 0; i < 6; i++) ids.push(await push(token, `10.5555/pair.${i}`, article(`Pair ${i}`)));
        for (const id of ids) await settle(token, id);
        app.orcid!.state.setFaults({ api: null });
        app.clock.advance(10_000);
        const { db, clock, config, log } = app.lanyard;
        const second = new OrcidWriteWorker({ db, clock, config, log });
        await Promise.all([app.lanyard.orcidWrites.deliverDue(), second.deliverDue()]);
        for (const id of ids) {
          const w = await settle(token, id, 2);
          assert.equal(w.state, 'delivered');
          // Once after ORCID came back — or more when a call timed out on a busy machine, never fewer.
          assert.ok(w.attempts >= 2, `attempts ${w.attempts}`);
        }
        assert.equal(ours(orcid).length, 6);
      });

      test('housekeeping deletes writes finished a month ago; queued writes and put-codes stay', async () => {
        const orcid = await researcher();
        const { token, accountId } = await accessToken(rp, orcid);
        const done = await settle(token, await push(token, '10.5555/old.1', article('Old')));
        assert.equal(done.state, 'delivered');
        app.orcid!.state.setFaults({ api: { status: 500 } });
        const waiting = await push(token, '10.5555/old.2', article('Waiting'));
        await settle(token, waiting);
        app.clock.advance(31 * 86400_000);
        assert.ok((await housekeeping(app.lanyard)).orcidWrites >= 1);
        const left = await app.lanyard.db
          .selectFrom('orcid_write')
          .select('id')
          .where('account_id', '=', accountId)
          .execute();
        assert.deepEqual(
          left.map((w) => w.id),
          [waiting],
        );
        const work = await app.lanyard.db
          .selectFrom('orcid_work')
          .select('put_code')
          .where('account_id', '=', accountId)
          .where('external_id', '=', '10.5555/old.1')
          .executeTakeFirstOrThrow();
        assert.equal(Number(work.put_code), done.putCode);
      });

      test('the record a repository reads shows a work as soon as its push is delivered', async () => {
        const orcid = await researcher();
        const { token } = await accessToken(rp, orcid);
        const titles = async () =>
          ((await call('GET', '/api/orcid/record', token)).json.works as { title: string }[]).map((w) => w.title);
        assert.deepEqual(await titles(), []);
        const done = await settle(token, await push(token, '10.5555/shown.1', article('Shown at once')));
        assert.equal(done.state, 'delivered');
        assert.deepEqual(await titles(), ['Shown at once']);
      });

      test('merged accounts: the works follow the iD, so pushing one again updates it at ORCID', async () => {
        const orcid = await researcher();
        const before = await accessToken(rp, orcid);
        const doi = '10.5555/merge.1';
        const first = await settle(before.token, await push(before.token, doi, article('Before the merge')));
        assert.equal(first.outcome, 'created');

        // The researcher's other account (the one to keep), and the operator merging the ORCID one into it.
        const now = app.lanyard.clock.now();
        const survivor = await createAccount(
          app.lanyard.db,
          { email: uniqueEmail('survivor'), email_verified_at: now, given_name: 'Kept' },
          now,
        );
        const preview = await mergeAccounts(
          app.lanyard.db,
          app.lanyard.config.publicUrl,
          { survivorId: survivor.id, duplicateId: before.accountId, actorAccountId: null, actor: 'cli:test' },
          now,
        );
        assert.equal(preview.works, 1);

        // The repository's grant of the merged account ended; signing in with the iD gives the survivor.
        const after = await accessToken(rp, orcid);
        assert.equal(after.accountId, survivor.id);
        const listed = await call('GET', '/api/orcid/works', after.token);
        assert.equal(listed.json.works.length, 1, JSON.stringify(listed.json));
        assert.equal(listed.json.works[0].putCode, first.putCode);
        const again = await settle(after.token, await push(after.token, doi, article('After the merge')));
        assert.equal(again.state, 'delivered', JSON.stringify(again));
        assert.equal(again.outcome, 'updated');
        assert.equal(again.putCode, first.putCode);
        assert.equal(ours(orcid).length, 1, 'no duplicate at ORCID');
        assert.equal(ours(orcid)[0]!.title, 'After the merge');
      });

      test('attack: an expired access token is refused', async () => {
        const orcid = await researcher();
        const { token } = await accessToken(rp, orcid);
        assert.equal((await call('GET', '/api/orcid/works', token)).status, 200);
        app.clock.advance(3601_000);
        const r = await call('PUT', workPath('10.5555/exp.1'), token, article('Late'));
        assert.equal(r.status, 401);
        assert.equal(r.json.code, 'ACCESS_TOKEN_INVALID');
      });
    });
  });
}
