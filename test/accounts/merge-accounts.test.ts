import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { mergeAccounts } from '../../src/accounts/merge.js';
import type { Account } from '../../src/db/schema.js';
import type { Lanyard } from '../../src/lanyard.js';
import { createAccount, updateAccount } from '../../src/stores/accounts.js';
import { insertIdentity } from '../../src/stores/identities.js';
import { createRegistration } from '../../src/stores/registrations.js';
import { PASSWORD, seedAccount, signedInBrowser, uniqueEmail } from '../support/accounts.js';
import type { Browser } from '../support/browser.js';
import { expectNoChange, snapshotDatabase } from '../support/db-snapshot.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';

/** A fresh ORCID iD with a valid check character (the suites share one database). */
function orcidId(): string {
  const digits = [...randomBytes(15)].map((b) => b % 10);
  const total = digits.reduce((t, d) => (t + d) * 2, 0);
  const check = (12 - (total % 11)) % 11;
  const all = `${digits.join('')}${check === 10 ? 'X' : check}`;
  return all.match(/.{4}/g)!.join('-');
}

const mainText = (body: string) =>
  (body.match(/<main[\s\S]*<\/main>/)?.[0] ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** An account whose only way in is an ORCID iD. */
async function orcidAccount(lanyard: Lanyard): Promise<Account> {
  const now = lanyard.clock.now();
  const account = await createAccount(
    lanyard.db,
    { email: uniqueEmail('orcid'), email_verified_at: now, given_name: 'Ada', family_name: 'Survivor', locale: 'de' },
    now,
  );
  await insertIdentity(lanyard.db, account.id, { provider: 'orcid', subject: orcidId() }, now);
  return account;
}

/** An admin signed in, on the survivor's page (so the forms' CSRF token is known). */
async function operator(app: TestApp, survivor: Account): Promise<{ account: Account; browser: Browser }> {
  const seeded = await seedAccount(app.lanyard);
  const account = await updateAccount(app.lanyard.db, seeded.id, { is_admin: true }, app.lanyard.clock.now());
  const browser = await signedInBrowser(app, account.email);
  assert.equal((await browser.get(`/admin/accounts/${survivor.id}?lang=en`)).status, 200);
  return { account, browser };
}

/** Per table: the rows (as JSON lines) gone and the rows new between two snapshots. */
function changes(before: Record<string, string[]>, after: Record<string, string[]>) {
  const out: Record<string, { gone: string[]; added: string[] }> = {};
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[table] ?? [];
    const a = after[table] ?? [];
    const gone = b.filter((r) => !a.includes(r));
    const added = a.filter((r) => !b.includes(r));
    if (gone.length || added.length) out[table] = { gone, added };
  }
  return out;
}

const row = (line: string) => Object.fromEntries(JSON.parse(line) as [string, unknown][]);

/** A survivor (ORCID only) and a duplicate (password, a SAML identity with provider tokens, an admin, signed in, a grant, a registration in flight). */
async function pair(app: TestApp) {
  const { lanyard } = app;
  const now = lanyard.clock.now();
  const survivor = await orcidAccount(lanyard);
  const duplicate = await updateAccount(lanyard.db, (await seedAccount(lanyard)).id, { is_admin: true }, now);
  const saml = await insertIdentity(
    lanyard.db,
    duplicate.id,
    { provider: 'saml-uni', subject: `ada-${duplicate.id}@idp.uni.example`, email: 'ada@idp.uni.example' },
    now,
  );
  await lanyard.db
    .insertInto('provider_token')
    .values({ identity_id: saml.id, key_id: 'k1', access_token: 'sealed-access', scopes: 'openid', updated_at: now })
    .execute();
  await lanyard.db
    .insertInto('oidc_payload')
    .values({
      model: 'Grant',
      id: `grant-${duplicate.id}`,
      payload: JSON.stringify({ accountId: duplicate.id, clientId: 'dspace' }) as never,
      grant_id: null,
      uid: null,
      consumed_at: null,
      expires_at: new Date(now.getTime() + 3_600_000),
    })
    .execute();
  const { registration } = await createRegistration(
    lanyard.db,
    { type: 'CHANGE_PASSWORD', email: duplicate.email, accountId: duplicate.id },
    3600,
    now,
  );
  const device = await signedInBrowser(app, duplicate.email);
  return { survivor, duplicate, saml, registration, device };
}

forEachBackend('merging duplicate accounts', (ctx) => {
  test('an admin merges a duplicate: the preview lists what moves, one confirmation changes exactly those rows', async () => {
    const app = ctx();
    const { survivor, duplicate, saml, registration, device } = await pair(app);
    const { account: admin, browser } = await operator(app, survivor);
    assert.match(
      (await browser.get(`/admin/accounts/${survivor.id}?lang=en`)).body,
      /Merge another account into this one/,
    );

    const previewPath = `/admin/accounts/${survivor.id}/merge?duplicate=${encodeURIComponent(duplicate.email.toUpperCase())}&lang=en`;
    // A shown name that repeats the given and family names is printed once; another one beside them.
    const now = app.lanyard.clock.now();
    await updateAccount(
      app.lanyard.db,
      duplicate.id,
      { given_name: 'Ada', family_name: 'Lovelace', display_name: 'Ada  lovelace' },
      now,
    );
    await updateAccount(app.lanyard.db, survivor.id, { display_name: 'Countess Ada' }, now);
    const preview = await expectNoChange(app.lanyard.db, () => browser.get(previewPath));
    assert.equal(preview.status, 200);
    const text = mainText(preview.body);
    assert.match(text, /Nothing has changed yet/);
    assert.match(text, /keeps its email and names \(Ada Lovelace\); they do not move/);
    assert.match(text, /keeps its own email and names \(Countess Ada \/ Ada Survivor\)/);
    assert.match(preview.body, /data-identity="password"/);
    assert.match(preview.body, /data-identity="saml-uni"/);
    assert.match(text, /with its stored provider tokens/);
    assert.match(text, /becomes an admin/);
    assert.match(text, /1 device signed in to .* is signed out/);
    assert.match(text, /\(dspace\)/);
    assert.match(
      text,
      /keep their users by its \S+ identifier will see the sub of .* their record of .* is left orphaned/,
    );
    assert.match(text, /1 registration of .* in flight is cancelled/);
    assert.match(
      mainText((await browser.get(previewPath.replace('lang=en', 'lang=de'))).body),
      /Konten zusammenführen/,
    );

    const before = await snapshotDatabase(app.lanyard.db);
    const done = await browser.post(`/admin/accounts/${survivor.id}/merge`, { duplicate: duplicate.id });
    assert.equal(done.status, 303, done.body.slice(0, 300));
    assert.equal(done.location, `/admin/accounts/${survivor.id}`);
    const diff = changes(before, await snapshotDatabase(app.lanyard.db));
    assert.deepEqual(
      Object.fromEntries(Object.entries(diff).map(([t, c]) => [t, [c.gone.length, c.added.length]])),
      {
        account: [2, 2],
        identity: [2, 2],
        session: [1, 1],
        registration: [1, 1],
        oidc_payload: [1, 0],
        audit_event: [0, 2],
        email_outbox: [0, 2],
      },
      'the merge changed other rows than it should',
    );
    const accounts = Object.fromEntries(diff.account!.added.map(row).map((a) => [a.id, a]));
    assert.equal(accounts[survivor.id]!.is_admin, true);
    assert.equal(accounts[survivor.id]!.email, survivor.email, 'the survivor lost its email');
    assert.equal(accounts[survivor.id]!.family_name, 'Survivor');
    assert.equal(accounts[duplicate.id]!.status, 'disabled');
    assert.equal(accounts[duplicate.id]!.is_admin, false);
    const moved = diff.identity!.added.map(row);
    assert.deepEqual(
      moved.map((i) => i.account_id),
      [survivor.id, survivor.id],
    );
    const password = moved.find((i) => i.provider === 'password')!;
    assert.deepEqual(
      [password.provider, password.account_id, password.subject],
      ['password', survivor.id, survivor.id],
    );
    assert.equal(row(diff.registration!.gone[0]!).id, registration.id);
    const audit = diff.audit_event!.added.map(row);
    assert.deepEqual(audit.map((a) => a.account_id).sort(), [survivor.id, duplicate.id].sort());
    for (const a of audit) {
      assert.equal(a.action, 'accounts_merged');
      assert.equal(a.actor_account_id, admin.id);
      const detail = a.detail as { survivor: string; duplicate: string };
      assert.deepEqual([detail.survivor, detail.duplicate], [survivor.id, duplicate.id]);
    }
    const identities = await app.lanyard.db.selectFrom('identity').selectAll().where('id', '=', saml.id).execute();
    assert.equal(identities[0]!.account_id, survivor.id, 'the SAML identity (and with it its tokens) did not move');

    const page = mainText((await browser.get(`${done.location}?lang=en`)).body);
    assert.match(page, /is merged into this account: 2 ways to sign in moved/);
    for (const to of [survivor.email, duplicate.email])
      await app.mail.waitFor(to, (m) => /merged|zusammengeführt/.test(m.subject));
    assert.equal((await device.get('/profile')).status === 200, false, 'the duplicate is still signed in');

    // The duplicate's password now opens the survivor (with the survivor's email); its old email no longer signs in.
    const fresh = await signedInBrowser(app, survivor.email, PASSWORD);
    assert.match((await fresh.get('/profile?lang=en')).body, new RegExp(survivor.email.replace(/[.]/g, '\\.')));
    const old = app.browser();
    await old.get('/login');
    assert.notEqual((await old.post('/login', { email: duplicate.email, password: PASSWORD })).status, 303);
  });

  test("the works a repository put on the duplicate's ORCID record move with the iD; a stale row of the survivor gives way", async () => {
    const app = ctx();
    const { lanyard } = app;
    const now = lanyard.clock.now();
    // The duplicate holds the iD; the survivor, by password, has a row for one of the same works left
    // from an iD it no longer holds, and one for a work of its own.
    const duplicate = await orcidAccount(lanyard);
    const iD = (
      await lanyard.db
        .selectFrom('identity')
        .select('subject')
        .where('account_id', '=', duplicate.id)
        .executeTakeFirstOrThrow()
    ).subject;
    const survivor = await seedAccount(lanyard);
    const work = (accountId: string, doi: string, orcid: string | null, putCode: number | null) =>
      lanyard.db
        .insertInto('orcid_work')
        .values({
          account_id: accountId,
          client_id: 'repo',
          external_id_type: 'doi',
          external_id: doi,
          external_id_value: doi,
          orcid,
          put_code: putCode,
          content: JSON.stringify({ title: doi }) as never,
          created_at: now,
          updated_at: now,
        })
        .execute();
    await work(duplicate.id, '10.1/shared', iD, 11);
    await work(duplicate.id, '10.1/only-duplicate', iD, 12);
    await work(survivor.id, '10.1/shared', '0000-0001-0000-0009', 99);
    await work(survivor.id, '10.1/only-survivor', null, null);

    const dry = await mergeAccounts(
      lanyard.db,
      lanyard.config.publicUrl,
      { survivorId: survivor.id, duplicateId: duplicate.id, actorAccountId: null, dryRun: true },
      now,
    );
    assert.equal(dry.works, 2);
    await mergeAccounts(
      lanyard.db,
      lanyard.config.publicUrl,
      { survivorId: survivor.id, duplicateId: duplicate.id, actorAccountId: null },
      now,
    );
    const rows = await lanyard.db
      .selectFrom('orcid_work')
      .select(['account_id', 'external_id', 'orcid', 'put_code'])
      .where('account_id', 'in', [survivor.id, duplicate.id])
      .orderBy('external_id')
      .execute();
    assert.deepEqual(
      rows.map((r) => [
        r.account_id === survivor.id ? 'survivor' : 'duplicate',
        r.external_id,
        r.orcid,
        Number(r.put_code),
      ]),
      [
        ['survivor', '10.1/only-duplicate', iD, 12],
        ['survivor', '10.1/only-survivor', null, 0],
        ['survivor', '10.1/shared', iD, 11],
      ],
    );
  });

  test("the duplicate's writes to ORCID move to the survivor; those a repository asked for end with its grant", async () => {
    const app = ctx();
    const { lanyard } = app;
    const now = lanyard.clock.now();
    const duplicate = await orcidAccount(lanyard);
    const survivor = await seedAccount(lanyard);
    const write = (clientId: string, doi: string, state: 'queued' | 'delivered') =>
      lanyard.db
        .insertInto('orcid_write')
        .values({
          account_id: duplicate.id,
          client_id: clientId,
          external_id_type: 'doi',
          external_id: doi,
          kind: 'put',
          content: JSON.stringify({ title: doi }) as never,
          state,
          // Not due while this test runs: the app's ORCID worker would otherwise deliver (or end)
          // the queued ones beside the merge, and a later test's no-change check would see it.
          next_attempt_at: new Date(now.getTime() + 24 * 3600_000),
          created_at: now,
          finished_at: state === 'queued' ? null : now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    const repoQueued = await write('repo', '10.1/repo-queued', 'queued');
    const repoDone = await write('repo', '10.1/repo-done', 'delivered');
    const own = await write('', '10.1/own-queued', 'queued');

    const dry = await mergeAccounts(
      lanyard.db,
      lanyard.config.publicUrl,
      { survivorId: survivor.id, duplicateId: duplicate.id, actorAccountId: null, dryRun: true },
      now,
    );
    assert.deepEqual(dry.writes, { queued: 2, ended: 1 });
    await mergeAccounts(
      lanyard.db,
      lanyard.config.publicUrl,
      { survivorId: survivor.id, duplicateId: duplicate.id, actorAccountId: null },
      now,
    );
    const rows = await lanyard.db
      .selectFrom('orcid_write')
      .select(['id', 'account_id', 'state', 'error_code'])
      .where('id', 'in', [repoQueued.id, repoDone.id, own.id])
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    // None is left on the disabled duplicate, queued for an account nobody can sign in to.
    assert.ok(rows.every((r) => r.account_id === survivor.id));
    assert.deepEqual(
      [byId.get(repoQueued.id), byId.get(repoDone.id), byId.get(own.id)].map((r) => [r!.state, r!.error_code]),
      [
        ['needs_consent', 'GRANT_WITHDRAWN'],
        ['delivered', null],
        ['queued', null],
      ],
    );
    const audit = await lanyard.db
      .selectFrom('audit_event')
      .select('detail')
      .where('account_id', '=', survivor.id)
      .where('action', '=', 'accounts_merged')
      .executeTakeFirstOrThrow();
    assert.deepEqual((audit.detail as { writes?: unknown }).writes, { queued: 2, ended: 1 });
  });

  test('a dry run changes nothing and returns what would move', async () => {
    const app = ctx();
    const { survivor, duplicate } = await pair(app);
    const preview = await expectNoChange(app.lanyard.db, () =>
      mergeAccounts(
        app.lanyard.db,
        app.config.publicUrl,
        { survivorId: survivor.id, duplicateId: duplicate.id, actorAccountId: null, dryRun: true },
        app.lanyard.clock.now(),
      ),
    );
    assert.deepEqual(preview.identities.map((i) => [i.provider, i.providerTokens]).sort(), [
      ['password', false],
      ['saml-uni', true],
    ]);
    assert.deepEqual(
      preview.grants.map((g) => g.clientId),
      ['dspace'],
    );
    assert.equal(preview.sessions, 1);
    assert.equal(preview.registrations.length, 1);
    assert.equal(preview.becomesAdmin, true);
  });

  test('attack: a non-admin reaching the preview or posting the merge gets 403 and nothing changes', async () => {
    const app = ctx();
    const { survivor, duplicate } = await pair(app);
    const mallory = await signedInBrowser(app, (await seedAccount(app.lanyard)).email);
    await mallory.get('/profile');
    await expectNoChange(app.lanyard.db, async () => {
      const preview = await mallory.get(`/admin/accounts/${survivor.id}/merge?duplicate=${duplicate.id}`);
      assert.equal(preview.status, 403);
      const post = await mallory.post(`/admin/accounts/${survivor.id}/merge`, { duplicate: duplicate.id });
      assert.equal(post.status, 403);
      assert.match(post.body, /ADMIN_REQUIRED/);
    });
  });

  test('attack: the merge form without its CSRF token is refused and nothing changes', async () => {
    const app = ctx();
    const { survivor, duplicate } = await pair(app);
    const { browser } = await operator(app, survivor);
    await expectNoChange(app.lanyard.db, async () => {
      const post = await browser.post(`/admin/accounts/${survivor.id}/merge`, { _csrf: '', duplicate: duplicate.id });
      assert.equal(post.status, 403);
      assert.match(post.body, /CSRF_FAILED/);
    });
  });

  test('a stale sign-in is asked to sign in again and comes back to the preview, where the merge is confirmed', async () => {
    const app = ctx();
    const { survivor, duplicate } = await pair(app);
    const { account: admin, browser } = await operator(app, survivor);
    const preview = `/admin/accounts/${survivor.id}/merge?duplicate=${duplicate.id}`;
    await browser.get(preview);
    app.clock.advance(app.config.reauthSeconds * 1000 + 1000);
    try {
      await expectNoChange(app.lanyard.db, async () => {
        const stale = await browser.post(`/admin/accounts/${survivor.id}/merge`, { duplicate: duplicate.id });
        assert.equal(stale.status, 303);
        assert.equal(stale.location, `/login?reauth=1&returnTo=${encodeURIComponent(preview)}`);
      });
      await browser.get(`/login?reauth=1&returnTo=${encodeURIComponent(preview)}`);
      const again = await browser.post('/login', { email: admin.email, password: PASSWORD, returnTo: preview });
      assert.equal(again.location, preview);
      assert.equal((await browser.get(preview)).status, 200);
      const done = await browser.post(`/admin/accounts/${survivor.id}/merge`, { duplicate: duplicate.id });
      assert.equal(done.status, 303);
      assert.equal(done.location, `/admin/accounts/${survivor.id}`);
    } finally {
      app.clock.advance(-(app.config.reauthSeconds * 1000 + 1000));
    }
  });

  test('attack: merging into a disabled account, into itself, or an unknown account is refused and nothing changes', async () => {
    const app = ctx();
    const { survivor, duplicate } = await pair(app);
    const { browser } = await operator(app, survivor);
    await app.lanyard.db.updateTable('account').set({ status: 'disabled' }).where('id', '=', survivor.id).execute();
    await expectNoChange(app.lanyard.db, async () => {
      const preview = await browser.get(`/admin/accounts/${survivor.id}/merge?duplicate=${duplicate.id}`);
      assert.equal(preview.status, 409);
      assert.match(preview.body, /MERGE_SURVIVOR_DISABLED/);
      const post = await browser.post(`/admin/accounts/${survivor.id}/merge`, { duplicate: duplicate.id });
      assert.equal(post.status, 409);
      assert.match(post.body, /MERGE_SURVIVOR_DISABLED/);
      const self = await browser.post(`/admin/accounts/${duplicate.id}/merge`, { duplicate: duplicate.id });
      assert.equal(self.status, 400);
      assert.match(self.body, /MERGE_SAME_ACCOUNT/);
      const unknown = await browser.get(`/admin/accounts/${duplicate.id}/merge?duplicate=nobody@example.org`);
      assert.equal(unknown.status, 404);
    });
  });

  test('attack: merging into an account barred from signing in (can_log_in off) is refused and nothing changes', async () => {
    // The duplicate's ways to sign in, and its admin role, would go to an account no one can sign
    // in to: the person would be locked out, and an admin merged so would leave no admin who can.
    const app = ctx();
    const { survivor, duplicate } = await pair(app);
    const { browser } = await operator(app, survivor);
    await app.lanyard.db.updateTable('account').set({ can_log_in: false }).where('id', '=', survivor.id).execute();
    await expectNoChange(app.lanyard.db, async () => {
      const preview = await browser.get(`/admin/accounts/${survivor.id}/merge?duplicate=${duplicate.id}`);
      assert.equal(preview.status, 409);
      assert.match(preview.body, /MERGE_SURVIVOR_DISABLED/);
      const post = await browser.post(`/admin/accounts/${survivor.id}/merge`, { duplicate: duplicate.id });
      assert.equal(post.status, 409);
      assert.match(post.body, /MERGE_SURVIVOR_DISABLED/);
    });
  });

  test('attack: merging into an account whose email is unverified is refused and nothing changes', async () => {
    const app = ctx();
    const { survivor, duplicate } = await pair(app);
    const { browser } = await operator(app, survivor);
    await app.lanyard.db
      .updateTable('account')
      .set({ email_verified_at: null })
      .where('id', '=', survivor.id)
      .execute();
    await expectNoChange(app.lanyard.db, async () => {
      const post = await browser.post(`/admin/accounts/${survivor.id}/merge`, { duplicate: duplicate.id });
      assert.equal(post.status, 409);
      assert.match(post.body, /ACCOUNT_EMAIL_UNVERIFIED/);
    });
  });

  test('attack: two accounts that both have an ORCID iD are not merged', async () => {
    const app = ctx();
    const survivor = await orcidAccount(app.lanyard);
    const duplicate = await orcidAccount(app.lanyard);
    const { browser } = await operator(app, survivor);
    await expectNoChange(app.lanyard.db, async () => {
      const post = await browser.post(`/admin/accounts/${survivor.id}/merge`, { duplicate: duplicate.id });
      assert.equal(post.status, 409);
      assert.match(post.body, /MERGE_SAME_PROVIDER/);
      await assert.rejects(
        mergeAccounts(
          app.lanyard.db,
          app.config.publicUrl,
          { survivorId: survivor.id, duplicateId: duplicate.id, actorAccountId: null },
          app.lanyard.clock.now(),
        ),
        (e: { code?: string; details?: { providers?: string[] } }) =>
          e.code === 'MERGE_SAME_PROVIDER' && e.details?.providers?.[0] === 'orcid',
      );
    });
  });

  test('attack: two concurrent merges of the same pair (and the pair the other way round): exactly one succeeds', async () => {
    const app = ctx();
    for (const reverse of [false, true]) {
      const { survivor, duplicate } = await pair(app);
      const a = await operator(app, survivor);
      const b = await operator(app, reverse ? duplicate : survivor);
      const answers = await Promise.all([
        a.browser.post(`/admin/accounts/${survivor.id}/merge`, { duplicate: duplicate.id }),
        reverse
          ? b.browser.post(`/admin/accounts/${duplicate.id}/merge`, { duplicate: survivor.id })
          : b.browser.post(`/admin/accounts/${survivor.id}/merge`, { duplicate: duplicate.id }),
      ]);
      assert.deepEqual(answers.map((p) => p.status).sort(), [303, 409], `reverse=${reverse}`);
      const ids = [survivor.id, duplicate.id];
      const identities = await app.lanyard.db
        .selectFrom('identity')
        .select(['account_id', 'provider'])
        .where('account_id', 'in', ids)
        .execute();
      const owners = new Set(identities.map((i) => i.account_id));
      assert.equal(owners.size, 1, 'identities are spread over both accounts');
      assert.equal(identities.length, 3);
      const states = await app.lanyard.db
        .selectFrom('account')
        .select(['id', 'status'])
        .where('id', 'in', ids)
        .execute();
      assert.deepEqual(
        states.map((s) => s.status).sort(),
        ['active', 'disabled'],
        `reverse=${reverse}: both or neither disabled`,
      );
      const merges = await app.lanyard.db
        .selectFrom('audit_event')
        .select('id')
        .where('action', '=', 'accounts_merged')
        .where('account_id', 'in', ids)
        .execute();
      assert.equal(merges.length, 2, 'more than one merge was audited');
    }
  });
});
