import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
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
import { type TestApp, withOrcid } from '../support/test-app.js';

const REDIS_URL = process.env.LANYARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * `/api/orcid/…` counts calls per caller (LANYARD_RATE_ORCID_API_PER_MINUTE), not per address: every
 * call here comes from 127.0.0.1, yet one repository over its limit for a researcher leaves another
 * repository (and the same repository for another researcher) untouched. Counted in Redis, as a
 * deployment of several processes does.
 */
for (const backend of backends()) {
  describe(`ORCID API rate limit per caller [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    let repoA: RelyingParty;
    let repoB: RelyingParty;
    before(async () => {
      if (reason) return;
      app = await createListeningTestApp(backend, {
        ...withOrcid,
        LANYARD_ORCID_SCOPES: 'openid /read-limited /activities/update',
        LANYARD_RATE_ORCID_API_PER_MINUTE: '3',
        LANYARD_REDIS_URL: REDIS_URL,
        LANYARD_REDIS_PREFIX: `lanyard-test-${randomBytes(6).toString('hex')}:`,
        // The shared count is tested, not Redis's deadline (a busy machine can answer later than 500 ms).
        LANYARD_REDIS_TIMEOUT_MS: '10000',
      });
      repoA = await registerRelyingParty(app, { name: 'Repository A' });
      repoB = await registerRelyingParty(app, { name: 'Repository B' });
    });
    after(async () => app?.close());

    async function researcher() {
      const email = uniqueEmail('works-limit');
      const orcid = addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }] });
      await createAccountWithOrcid(new Browser(app.app, app.url), orcid);
      return orcid;
    }

    async function accessToken(client: RelyingParty, orcid: string) {
      const b = new Browser(app.app, 'http://browser-origin.invalid');
      const req = await authorizationRequest(client, { scope: 'openid orcid.works' });
      const login = await b.follow(await b.get(req.url.href));
      const returnTo = new URL(login.url).searchParams.get('returnTo')!;
      const back = await signInWithOrcid(b, orcid, { startPath: `${app.url}/login/orcid`, returnTo });
      const tokens = await redeem(client, await untilClient(b, back, client.redirect, { allowConsent: true }), req);
      return { token: tokens.access_token, accountId: tokens.claims()!.sub };
    }

    async function call(method: string, path: string, token: string, body?: unknown) {
      const res = await fetch(`${app.url}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
    }
    const put = (token: string, doi: string) =>
      call('PUT', `/api/orcid/works/doi/${encodeURIComponent(doi)}`, token, { title: doi, type: 'journal-article' });
    const queuedFor = async (accountId: string) =>
      (await app.lanyard.db.selectFrom('orcid_write').select('id').where('account_id', '=', accountId).execute())
        .length;

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('a repository past its limit for a researcher gets 429 RATE_LIMITED; nothing queued; others unaffected', async () => {
        const orcid = await researcher();
        const a = await accessToken(repoA, orcid);
        const b = await accessToken(repoB, orcid);
        assert.equal((await call('GET', '/api/orcid/works', a.token)).status, 200);
        assert.equal((await put(a.token, '10.5555/limit.1')).status, 202);
        assert.equal((await put(a.token, '10.5555/limit.2')).status, 202);
        const before = await queuedFor(a.accountId);

        const refused = await put(a.token, '10.5555/limit.3');
        assert.equal(refused.status, 429, JSON.stringify(refused.json));
        assert.equal(refused.json.code, 'RATE_LIMITED');
        assert.match(refused.headers.get('content-type') ?? '', /application\/problem\+json/);
        const wait = Number(refused.headers.get('retry-after'));
        assert.ok(wait >= 1 && wait <= 60, `Retry-After ${refused.headers.get('retry-after')}`);
        assert.equal((await call('GET', '/api/orcid/works', a.token)).json.code, 'RATE_LIMITED');
        assert.equal(await queuedFor(a.accountId), before);

        // Another repository for the same researcher, from the same address: its own budget.
        for (let i = 0; i < 3; i++) assert.equal((await call('GET', '/api/orcid/works', b.token)).status, 200);
        assert.equal((await call('GET', '/api/orcid/works', b.token)).json.code, 'RATE_LIMITED');

        // The same repository for another researcher: its own budget too.
        const other = await accessToken(repoA, await researcher());
        assert.equal((await put(other.token, '10.5555/limit.4')).status, 202);
      });

      test('reading the record counts too, on the same budget: a repository cannot make Lanyard call ORCID without end', async () => {
        const orcid = await researcher();
        const a = await accessToken(repoA, orcid);
        // ORCID fails every read: nothing is cached, so each call that got through would be a call to ORCID.
        app.orcid!.state.setFaults({ api: { status: 500 } });
        try {
          assert.equal((await call('GET', '/api/orcid/works', a.token)).status, 200);
          for (let i = 0; i < 2; i++) {
            const failed = await call('GET', '/api/orcid/record', a.token);
            assert.equal(failed.json.code, 'PROVIDER_UNAVAILABLE', JSON.stringify(failed.json));
          }
          const refused = await call('GET', '/api/orcid/record', a.token);
          assert.equal(refused.status, 429, JSON.stringify(refused.json));
          assert.equal(refused.json.code, 'RATE_LIMITED');
          assert.ok(Number(refused.headers.get('retry-after')) >= 1);
          assert.equal((await call('GET', '/api/orcid/works', a.token)).json.code, 'RATE_LIMITED');
        } finally {
          app.orcid!.state.setFaults({ api: null });
        }
      });
    });
  });
}
