import assert from 'node:assert/strict';
import { test } from 'node:test';
import { open } from '../../src/crypto/seal.js';
import type { Browser } from '../support/browser.js';
import { addOrcidUser, createAccountWithOrcid, signInWithOrcid } from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

const GRANT = '/profile/orcid/grant';
const WITHDRAW = '/profile/orcid/withdraw';

/** A researcher whose account was made by signing in with ORCID (a sign-in token, `openid`). */
async function researcher(app: TestApp, extra: Parameters<typeof addOrcidUser>[1] = {}) {
  const n = Math.random().toString(36).slice(2, 8);
  const email = `researcher-${n}@uni.example`;
  const orcid = addOrcidUser(app, { emails: [{ email, visibility: 'public', verified: true }], ...extra });
  const browser = app.browser();
  await createAccountWithOrcid(browser, orcid);
  const account = await app.lanyard.db
    .selectFrom('account')
    .selectAll()
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  const identity = await app.lanyard.db
    .selectFrom('identity')
    .selectAll()
    .where('account_id', '=', account.id)
    .where('provider', '=', 'orcid')
    .executeTakeFirstOrThrow();
  return { email, orcid, browser, account, identity };
}

const storedToken = (app: TestApp, identityId: string) =>
  app.lanyard.db.selectFrom('provider_token').selectAll().where('identity_id', '=', identityId).executeTakeFirst();

const auditOf = (app: TestApp, accountId: string, action: string) =>
  app.lanyard.db
    .selectFrom('audit_event')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('action', '=', action)
    .orderBy('at')
    .execute();

/** "Grant access" as a browser does it: the console's form → ORCID's authorize page as `orcid` → the callback. */
async function grant(browser: Browser, orcid: string) {
  await browser.get('/profile/orcid');
  return signInWithOrcid(browser, orcid, { startPath: GRANT, form: {} });
}

/** The console's list of what repositories may do now (not what "grant access" would ask for). */
const held = (body: string) => /data-access="held">([\s\S]*?)<\/ul>/.exec(body)?.[1] ?? '';

const liveAtOrcid = (app: TestApp, token: string) =>
  app.orcid!.state.tokens.byAccessToken(token, app.orcid!.state.now());

forEachBackend(
  'the ORCID console: grant access, withdraw it, read the record',
  (ctx) => {
    test('grant access asks ORCID for the record scopes and replaces the stored token; a later sign-in keeps it', async () => {
      const app = ctx();
      const r = await researcher(app);
      const before = await r.browser.get('/profile/orcid');
      assert.equal(before.status, 200);
      assert.match(held(before.body), /Know your ORCID iD when you sign in/);
      assert.doesNotMatch(held(before.body), /Add works to your ORCID record/);
      assert.match(before.body, /action="\/profile\/orcid\/grant"/);
      assert.match((await r.browser.get('/profile')).body, /href="\/profile\/orcid"/, 'linked from /profile');

      const start = await r.browser.post(GRANT, {});
      assert.equal(start.status, 303);
      const scope = new URL(start.location!).searchParams.get('scope')!.split(' ');
      assert.deepEqual(scope.sort(), ['/activities/update', '/read-limited', 'openid']);

      const back = await grant(r.browser, r.orcid);
      assert.equal(back.status, 303);
      assert.equal(back.location, '/profile/orcid');
      const page = await r.browser.get('/profile/orcid');
      assert.match(page.body, /ORCID granted the access/);
      assert.match(held(page.body), /Add works to your ORCID record/);
      assert.match(held(page.body), /including the items you made visible to trusted parties only/);
      assert.doesNotMatch(page.body, /action="\/profile\/orcid\/grant"/, 'nothing more to grant');

      const row = (await storedToken(app, r.identity.id))!;
      assert.deepEqual(row.scopes.split(' ').sort(), ['/activities/update', '/read-limited', 'openid']);
      const granted = open(app.config.secretKeys, row.access_token);
      assert.deepEqual(liveAtOrcid(app, granted)?.scopes.sort(), ['/activities/update', '/read-limited', 'openid']);
      const [audit] = await auditOf(app, r.account.id, 'orcid_access_granted');
      assert.equal(audit?.outcome, 'success');
      const notice = await app.mail.waitFor(r.email, (m) => /Access to your ORCID record changed/.test(m.subject));
      assert.match(notice.text, /Add works to your ORCID record/);

      // Signing in again hands Lanyard an `openid` token: the granted access stays stored.
      await signInWithOrcid(app.browser(), r.orcid);
      assert.equal(open(app.config.secretKeys, (await storedToken(app, r.identity.id))!.access_token), granted);
    });

    test('an authorization for another ORCID iD is refused and changes nothing; its fresh token is revoked', async () => {
      const app = ctx();
      const r = await researcher(app);
      const other = addOrcidUser(app, {});
      const before = (await storedToken(app, r.identity.id))!;
      const issuedBefore = app.orcid!.state.tokens.size;
      const refused = await grant(r.browser, other);
      assert.equal(refused.status, 409);
      assert.match(refused.body, /data-error-code="ORCID_ID_MISMATCH"/);
      assert.match(refused.body, new RegExp(`different ORCID iD \\(${other}\\)`));
      assert.deepEqual(await storedToken(app, r.identity.id), before, 'the stored token is untouched');
      assert.ok(liveAtOrcid(app, open(app.config.secretKeys, before.access_token)), 'and still works at ORCID');
      assert.equal(app.orcid!.state.tokens.size, issuedBefore, 'the other iD’s fresh token was revoked');
      const [audit] = await auditOf(app, r.account.id, 'orcid_access_granted');
      assert.equal(audit?.outcome, 'failure');
      assert.equal(audit?.subject, other);
    });

    test('withdraw revokes the token at ORCID and drops it; the iD still signs in; grant again works', async () => {
      const app = ctx();
      const r = await researcher(app);
      await grant(r.browser, r.orcid);
      const token = open(app.config.secretKeys, (await storedToken(app, r.identity.id))!.access_token);
      await r.browser.get('/profile/orcid');
      const done = await r.browser.post(WITHDRAW, {});
      assert.equal(done.status, 303);
      assert.equal(done.location, '/profile/orcid');
      assert.equal(await storedToken(app, r.identity.id), undefined);
      assert.equal(liveAtOrcid(app, token), null, 'ORCID refuses the token now');
      const api = await fetch(`${app.orcid!.memberApiUrl}/v3.0/${r.orcid}/works`, {
        headers: { accept: 'application/vnd.orcid+json', authorization: `Bearer ${token}` },
      });
      assert.equal(api.status, 401);
      const page = await r.browser.get('/profile/orcid');
      assert.match(page.body, /The access was withdrawn/);
      assert.match(page.body, /Lanyard holds no access to your ORCID record/);
      assert.match(page.body, /Grant access again at ORCID/);
      const [audit] = await auditOf(app, r.account.id, 'orcid_access_withdrawn');
      assert.equal(audit?.detail.revokedAtOrcid, true);
      await app.mail.waitFor(r.email, (m) => /Nothing: Lanyard holds no access/.test(m.text));
      assert.ok(
        await app.lanyard.db.selectFrom('identity').select('id').where('id', '=', r.identity.id).executeTakeFirst(),
      );
      const again = await r.browser.post(WITHDRAW, {});
      assert.equal(again.status, 404, 'nothing left to withdraw');
      const noAccess = await r.browser.get('/api/orcid/record', { accept: 'application/json' });
      assert.equal(noAccess.status, 409);
      assert.equal(noAccess.json().code, 'ORCID_CONSENT_REQUIRED');

      const signIn = await signInWithOrcid(app.browser(), r.orcid);
      assert.equal(signIn.status, 303, 'the iD still signs in');
      assert.equal(signIn.location, '/profile');
      await grant(r.browser, r.orcid);
      assert.match((await storedToken(app, r.identity.id))!.scopes, /\/activities\/update/);
    });

    test('grant and withdraw need the form’s CSRF token', async () => {
      const app = ctx();
      const r = await researcher(app);
      await grant(r.browser, r.orcid);
      const before = await storedToken(app, r.identity.id);
      for (const path of [GRANT, WITHDRAW]) {
        const forged = await r.browser.post(path, { _csrf: '' });
        assert.equal(forged.status, 403, path);
        assert.match(forged.body, /CSRF_FAILED/);
      }
      assert.deepEqual(await storedToken(app, r.identity.id), before);
      assert.ok(liveAtOrcid(app, open(app.config.secretKeys, before!.access_token)));
      const anonymous = app.browser();
      await anonymous.get('/login');
      assert.equal((await anonymous.post(WITHDRAW, {})).status, 401);
      assert.equal((await anonymous.get('/profile/orcid')).location, '/login?returnTo=%2Fprofile%2Forcid');
    });

    test('an authorization started by one session cannot replace tokens for another account', async () => {
      const app = ctx();
      const alice = await researcher(app);
      const bob = await researcher(app);
      const aliceBefore = await storedToken(app, alice.identity.id);
      const bobBefore = await storedToken(app, bob.identity.id);
      // Bob authorizes with Alice's iD from his own console: refused, both unchanged.
      const crossed = await grant(bob.browser, alice.orcid);
      assert.equal(crossed.status, 409);
      assert.match(crossed.body, /ORCID_ID_MISMATCH/);
      // Alice starts a grant, then her browser's session becomes Bob's before the callback.
      await alice.browser.get('/profile/orcid');
      const start = await alice.browser.post(GRANT, {});
      const authorize = new URL(start.location!);
      authorize.searchParams.set('login_as', alice.orcid);
      const granted = await alice.browser.get(authorize.href);
      alice.browser.setCookie('lanyard-session', bob.browser.cookie('lanyard-session')!);
      const swapped = await alice.browser.get(granted.location!);
      assert.equal(swapped.status, 400);
      assert.match(swapped.body, /OAUTH_STATE_INVALID/);
      assert.deepEqual(await storedToken(app, alice.identity.id), aliceBefore);
      assert.deepEqual(await storedToken(app, bob.identity.id), bobBefore);
    });

    test('the record summary: works, employments, educations and fundings; ORCID down is a notice, not an error', async () => {
      const app = ctx();
      const r = await researcher(app, {
        works: [{ title: 'Silly String Theory', year: 2008, journal: 'Journal of Psychoceramics', doi: '10.5555/1' }],
        employments: [
          {
            organization: 'Wesleyan University',
            city: 'Middletown',
            country: 'US',
            role: 'Professor',
            startYear: 1998,
          },
        ],
        educations: [
          {
            organization: 'Brown University',
            city: 'Providence',
            country: 'US',
            role: 'PhD',
            startYear: 1990,
            endYear: 1995,
          },
        ],
        fundings: [{ title: 'Fractures in everyday pottery', organization: 'NSF', country: 'US', startYear: 2019 }],
      });
      const page = await r.browser.get('/profile/orcid');
      assert.match(page.body, /Silly String Theory/);
      assert.match(page.body, /doi: 10.5555\/1/);
      assert.match(page.body, /Wesleyan University/);
      assert.match(page.body, /Brown University/);
      assert.match(page.body, /Fractures in everyday pottery/);

      const json = { accept: 'application/json' };
      const api = await r.browser.get('/api/orcid/record', json);
      assert.equal(api.status, 200);
      const record = api.json();
      assert.equal(record.orcid, r.orcid);
      assert.deepEqual(
        [record.works[0].title, record.works[0].externalIds[0].value, record.works[0].publicationDate.year],
        ['Silly String Theory', '10.5555/1', '2008'],
      );
      assert.deepEqual(
        [record.employments[0].organization, record.educations[0].organization, record.fundings[0].title],
        ['Wesleyan University', 'Brown University', 'Fractures in everyday pottery'],
      );
      const anonymous = await app.browser().get('/api/orcid/record', json);
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.json().code, 'AUTH_REQUIRED');
      const forged = await app.browser().get('/api/orcid/record', { ...json, authorization: 'Bearer not-a-token' });
      assert.equal(forged.status, 401);
      assert.equal(forged.json().code, 'ACCESS_TOKEN_INVALID');

      app.orcid!.state.setFaults({ api: { refuseConnections: true } });
      try {
        app.clock.advance(61_000); // past the cache
        const down = await r.browser.get('/profile/orcid');
        assert.equal(down.status, 200);
        assert.match(down.body, /data-error-code="ORCID_UNREACHABLE"/);
        assert.match(down.body, /could not reach ORCID/);
        const de = await r.browser.get('/profile/orcid?lang=de');
        assert.match(de.body, /konnte ORCID gerade nicht erreichen/);
        const apiDown = await r.browser.get('/api/orcid/record', json);
        assert.equal(apiDown.status, 503);
        assert.equal(apiDown.json().code, 'PROVIDER_UNAVAILABLE');
      } finally {
        app.orcid!.state.setFaults({ api: null });
      }
    });

    test('a token revoked at ORCID shows as such, with a way to grant access again', async () => {
      const app = ctx();
      const r = await researcher(app);
      await grant(r.browser, r.orcid);
      const token = open(app.config.secretKeys, (await storedToken(app, r.identity.id))!.access_token);
      app.orcid!.state.tokens.revoke(liveAtOrcid(app, token)!);
      const page = await r.browser.get('/profile/orcid');
      assert.match(page.body, /ORCID no longer accepts the access you gave/);
      assert.match(page.body, /data-error-code="ORCID_TOKEN_REFUSED"/);
      assert.match(page.body, /Grant access again at ORCID/);
    });

    test('a link the works queue marked as needing consent shows it; granting again clears the mark', async () => {
      const app = ctx();
      const r = await researcher(app);
      await grant(r.browser, r.orcid);
      // What the works queue writes when ORCID answers a write with 401 (src/orcid-api/worker.ts).
      await app.lanyard.db
        .updateTable('provider_token')
        .set({ needs_consent_at: app.clock.now() })
        .where('identity_id', '=', r.identity.id)
        .execute();
      const page = await r.browser.get('/profile/orcid');
      assert.match(page.body, /ORCID no longer accepts the access you gave/);
      assert.match(page.body, /Grant access again at ORCID/);
      // A plain sign-in replaces a refused token even though it allows less.
      await signInWithOrcid(app.browser(), r.orcid);
      const signedIn = (await storedToken(app, r.identity.id))!;
      assert.equal(signedIn.needs_consent_at, null);
      assert.equal(signedIn.scopes, 'openid');
      await grant(r.browser, r.orcid);
      const granted = (await storedToken(app, r.identity.id))!;
      assert.equal(granted.needs_consent_at, null);
      assert.match(granted.scopes, /\/activities\/update/);
      assert.doesNotMatch((await r.browser.get('/profile/orcid')).body, /no longer accepts/);
    });
  },
  { ...withOrcid, LANYARD_ORCID_MEMBER: 'true' },
);

forEachBackend(
  'the ORCID console with a public API client',
  (ctx) => {
    test('says repositories read public data only, and offers nothing to grant', async () => {
      const app = ctx();
      const r = await researcher(app);
      const page = await r.browser.get('/profile/orcid');
      assert.match(page.body, /uses ORCID’s public API: repositories can read only the public parts/);
      assert.doesNotMatch(page.body, /action="\/profile\/orcid\/grant"/);
      const de = await r.browser.get('/profile/orcid?lang=de');
      assert.match(de.body, /öffentliche ORCID-API/);
      const refused = await r.browser.post(GRANT, {});
      assert.equal(refused.status, 403);
      assert.match(refused.body, /FORBIDDEN/);
    });
  },
  { ...withOrcid, LANYARD_ORCID_MEMBER: 'false' },
);
