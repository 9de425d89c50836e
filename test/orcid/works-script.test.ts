import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { uniqueEmail } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { authorizationRequest, redeem, registerRelyingParty, untilClient } from '../support/op-client.js';
import { addOrcidUser, createAccountWithOrcid, signInWithOrcid } from '../support/orcid.js';
import { TEST_ORCID_CLIENT, type TestApp, withOrcid } from '../support/test-app.js';

const run = promisify(execFile);
const SCRIPT = 'scripts/orcid-works.sh';

/**
 * The integration guide's example script (docs/integrations/orcid-works.md), run with sh and curl
 * against a listening Lanyard and the ORCID emulator, as a repository's cron job would run it.
 */
for (const backend of backends()) {
  describe(`the repository's push script [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (reason) return;
      app = await createListeningTestApp(backend, { ...withOrcid, LANYARD_ORCID_MEMBER: 'true' });
    });
    after(async () => app?.close());

    const script = (token: string, ...args: string[]) =>
      run('sh', [SCRIPT, ...args], { env: { ...process.env, LANYARD_URL: app.url, ACCESS_TOKEN: token } });

    describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
      test('push, re-push, wait, list, record, delete — one work at ORCID, then none', async () => {
        // The researcher signs up with ORCID and grants repositories access on the ORCID console.
        const orcid = addOrcidUser(app, {
          emails: [{ email: uniqueEmail('script'), visibility: 'public', verified: true }],
        });
        const researcher = new Browser(app.app, app.url);
        await createAccountWithOrcid(researcher, orcid);
        await researcher.get('/profile/orcid');
        await signInWithOrcid(researcher, orcid, { startPath: '/profile/orcid/grant', form: {} });
        // The repository signs the researcher in through Lanyard's OpenID provider with orcid.works.
        const rp = await registerRelyingParty(app, { name: 'Script Repository' });
        const b = new Browser(app.app, 'http://browser-origin.invalid');
        const req = await authorizationRequest(rp, { scope: 'openid orcid.works' });
        const login = await b.follow(await b.get(req.url.href));
        const returnTo = new URL(login.url).searchParams.get('returnTo')!;
        const back = await signInWithOrcid(b, orcid, { startPath: `${app.url}/login/orcid`, returnTo });
        const token = (await redeem(rp, await untilClient(b, back, rp.redirect, { allowConsent: true }), req))
          .access_token;

        const dir = mkdtempSync(join(tmpdir(), 'lanyard-works-'));
        const work = join(dir, 'work.json');
        const ours = () =>
          app
            .orcid!.state.users.get(orcid)!
            .works.filter((w) => w.source.kind === 'client' && w.source.clientId === TEST_ORCID_CLIENT.clientId);
        writeFileSync(work, JSON.stringify({ title: 'Pushed by a script', type: 'journal-article' }));
        const first = (await script(token, 'push', 'doi', '10.5555/Script.1', work)).stdout.trim();
        assert.match(first, /^[0-9a-f-]{36}$/);
        const created = JSON.parse((await script(token, 'wait', first)).stdout);
        assert.deepEqual([created.state, created.outcome], ['delivered', 'created']);

        writeFileSync(work, JSON.stringify({ title: 'Pushed by a script, corrected', type: 'journal-article' }));
        const second = (await script(token, 'push', 'doi', '10.5555/script.1', work)).stdout.trim();
        const updated = JSON.parse((await script(token, 'wait', second)).stdout);
        assert.deepEqual([updated.outcome, updated.putCode], ['updated', created.putCode]);
        assert.deepEqual(
          ours().map((w) => w.title),
          ['Pushed by a script, corrected'],
          'one work at ORCID, updated',
        );

        const list = JSON.parse((await script(token, 'list')).stdout);
        assert.equal(list.works.length, 1);
        const record = JSON.parse((await script(token, 'record')).stdout);
        assert.ok(record.works.some((w: { title: string }) => w.title === 'Pushed by a script, corrected'));

        const removal = (await script(token, 'delete', 'doi', '10.5555/script.1')).stdout.trim();
        const deleted = JSON.parse((await script(token, 'wait', removal)).stdout);
        assert.equal(deleted.outcome, 'deleted');
        assert.deepEqual(ours(), []);

        await assert.rejects(script('not-a-token', 'list'), (e: { code: number; stderr: string }) => {
          assert.notEqual(e.code, 0);
          assert.match(e.stderr, /HTTP 401 .*ACCESS_TOKEN_INVALID/);
          return true;
        });
      });
    });
  });
}
