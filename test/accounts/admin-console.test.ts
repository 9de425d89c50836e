import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { orcidIdInAnyForm } from '../../src/accounts/orcid-id.js';
import type { Account } from '../../src/db/schema.js';
import type { Lanyard } from '../../src/lanyard.js';
import { updateAccount } from '../../src/stores/accounts.js';
import { addOidcClient } from '../../src/stores/oidc-clients.js';
import { insertIdentity } from '../../src/stores/identities.js';
import { createSession } from '../../src/stores/sessions.js';
import { cookieNames } from '../../src/http/cookies.js';
import { createRegistration } from '../../src/stores/registrations.js';
import { PASSWORD, seedAccount, signedInBrowser } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { backends, skipReason } from '../support/databases.js';
import { countRows, expectNoChange } from '../support/db-snapshot.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { passwordSignIn, redeem, registerRelyingParty, authorizationRequest } from '../support/op-client.js';
import { forEachBackend } from '../support/suite.js';
import type { TestApp } from '../support/test-app.js';

const ORCID_ID = '0000-0002-1825-0097';

/** The text of the page's main element, tags dropped and spaces collapsed. */
const mainText = (body: string) =>
  (body.match(/<main[\s\S]*<\/main>/)?.[0] ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

async function makeAdmin(lanyard: Lanyard, account: Account): Promise<Account> {
  return updateAccount(lanyard.db, account.id, { is_admin: true }, lanyard.clock.now());
}

/** An admin account and a browser signed in to it, on the console (so its forms' CSRF token is known). */
async function operator(app: TestApp): Promise<{ account: Account; browser: Browser }> {
  const account = await makeAdmin(app.lanyard, await seedAccount(app.lanyard));
  const browser = await signedInBrowser(app, account.email);
  assert.equal((await browser.get('/admin')).status, 200);
  return { account, browser };
}

/** Every form post of the clients page, with a body that would succeed for an admin. */
const clientPosts = (clientId: string): [string, Record<string, string>][] => [
  ['/admin/clients', { name: 'Planted', redirect_uris: 'https://evil.example/cb', auth: 'client_secret_basic' }],
  [`/admin/clients/${clientId}/rotate-secret`, {}],
  [`/admin/clients/${clientId}/remove`, {}],
];

const signedIn = async (browser: Browser) => (await browser.get('/profile')).status === 200;
const auditOf = (lanyard: Lanyard, accountId: string, action: string) =>
  lanyard.db
    .selectFrom('audit_event')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('action', '=', action)
    .execute();

test('an ORCID iD is read in any form a person pastes; a wrong check digit is not an iD', () => {
  for (const form of [
    '0000-0002-1825-0097',
    '0000000218250097',
    '000000021825009',
    '0000 0002 1825 0097',
    'https://orcid.org/0000-0002-1825-0097',
    'http://orcid.org/0000000218250097',
    'orcid.org/0000-0002-1825-0097/',
    'https://sandbox.orcid.org/0000-0002-1825-0097',
  ])
    assert.equal(orcidIdInAnyForm(form), ORCID_ID, form);
  assert.equal(orcidIdInAnyForm('0000-0002-1694-233x'), '0000-0002-1694-233X');
  assert.equal(orcidIdInAnyForm('00000002169423'), null);
  for (const bad of ['0000-0002-1825-0098', 'orcid', '', 'https://example.org/0000-0002-1825-0097'])
    assert.equal(orcidIdInAnyForm(bad), null, bad);
});

forEachBackend("operators' console", (ctx) => {
  test('a non-admin reaching any /admin page or form gets 403 ADMIN_REQUIRED and nothing changes', async () => {
    const app = ctx();
    const victim = await seedAccount(app.lanyard);
    const victimBrowser = await signedInBrowser(app, victim.email);
    const { registration } = await createRegistration(
      app.lanyard.db,
      { type: 'CHANGE_PASSWORD', email: victim.email, accountId: victim.id },
      3600,
      app.lanyard.clock.now(),
    );
    const { client } = await addOidcClient(
      app.lanyard.db,
      { name: 'Repository', redirectUris: ['https://repo.example/cb'], auth: 'client_secret_basic' },
      new Date(),
    );
    const mallory = await seedAccount(app.lanyard);
    const attacker = await signedInBrowser(app, mallory.email);
    await attacker.get('/profile'); // a valid CSRF token of the attacker's own
    assert.doesNotMatch((await attacker.get('/profile')).body, /href="\/admin"/, 'the nav offers the console');
    await expectNoChange(app.lanyard.db, async () => {
      for (const path of ['/admin', `/admin?q=${encodeURIComponent(victim.email)}`, `/admin/accounts/${victim.id}`]) {
        const page = await attacker.get(path);
        assert.equal(page.status, 403, path);
        assert.match(page.body, /ADMIN_REQUIRED/, path);
        assert.doesNotMatch(page.body, new RegExp(victim.email), `${path} shows the account`);
      }
      for (const action of [
        'disable',
        'enable',
        'sign-out-everywhere',
        `registrations/${registration.id}/cancel`,
        `registrations/${registration.id}/resend`,
      ]) {
        const done = await attacker.post(`/admin/accounts/${victim.id}/${action}`, {});
        assert.equal(done.status, 403, action);
        assert.match(done.body, /ADMIN_REQUIRED/, action);
      }
      for (const path of ['/admin/clients', `/admin/clients/${client.client_id}/remove`]) {
        const page = await attacker.get(path);
        assert.equal(page.status, 403, path);
        assert.match(page.body, /ADMIN_REQUIRED/, path);
        assert.doesNotMatch(page.body, new RegExp(client.client_id), `${path} shows the client`);
      }
      for (const [path, body] of clientPosts(client.client_id)) {
        const done = await attacker.post(path, body);
        assert.equal(done.status, 403, path);
        assert.match(done.body, /ADMIN_REQUIRED/, path);
        assert.doesNotMatch(done.body, /data-secret/, path);
      }
      const own = await attacker.post(`/admin/accounts/${mallory.id}/disable`, {});
      assert.equal(own.status, 403, 'a non-admin may not disable even their own account here');
    });
    assert.equal(await signedIn(victimBrowser), true, 'the victim was signed out');
  });

  test('a signed-out visitor is sent to sign in and back; after it an admin lands on the page asked for', async () => {
    const app = ctx();
    const admin = await makeAdmin(app.lanyard, await seedAccount(app.lanyard));
    const path = `/admin/accounts/${admin.id}`;
    const anonymous = app.browser();
    const page = await anonymous.get(path);
    assert.equal(page.status, 303);
    assert.equal(page.location, `/login?returnTo=${encodeURIComponent(path)}`);
    await anonymous.get(page.location!);
    const back = await anonymous.post('/login', { email: admin.email, password: PASSWORD, returnTo: path });
    assert.equal(back.location, path);
    assert.equal((await anonymous.get(path)).status, 200);
    await expectNoChange(app.lanyard.db, async () => {
      const post = await app.browser().post(`/admin/accounts/${admin.id}/disable`, {});
      assert.ok([401, 403].includes(post.status), `anonymous post answered ${post.status}`);
    });
  });

  test('an admin sees "Operators" in the navigation, in both languages', async () => {
    const { browser } = await operator(ctx());
    assert.match((await browser.get('/profile?lang=en')).body, /<a href="\/admin">Operators<\/a>/);
    assert.match((await browser.get('/profile?lang=de')).body, /<a href="\/admin">Betrieb<\/a>/);
  });

  test('search finds accounts by email part, name, ORCID iD in every form, and any provider subject', async () => {
    const app = ctx();
    const { browser } = await operator(app);
    const person = await seedAccount(app.lanyard, `Ada.Researcher-${Date.now()}@Uni.example`);
    // Linked after the password (the page lists ways in in the order they were linked), each a
    // millisecond apart: on a busy machine the clock moves on during the seed.
    const now = app.lanyard.clock.now();
    const later = (ms: number) => new Date(now.getTime() + ms);
    await updateAccount(
      app.lanyard.db,
      person.id,
      { given_name: 'Ada', family_name: 'Lovelace-Search', display_name: null },
      now,
    );
    await insertIdentity(app.lanyard.db, person.id, { provider: 'orcid', subject: ORCID_ID }, later(1));
    await insertIdentity(
      app.lanyard.db,
      person.id,
      { provider: 'saml-uni', subject: 'ada@idp.uni.example', email: 'ada@idp.uni.example' },
      later(2),
    );
    const other = await seedAccount(app.lanyard);
    const found = async (q: string) => {
      const page = await browser.get(`/admin?q=${encodeURIComponent(q)}&lang=en`);
      assert.equal(page.status, 200, q);
      return [...page.body.matchAll(/<tr data-account="([0-9a-f-]+)"/g)].map((m) => m[1]);
    };
    for (const q of [
      'ada.researcher',
      'ADA.RESEARCHER',
      'uni.example',
      'Lovelace-search',
      'ada lovelace',
      'lovelace-search, ada',
      ORCID_ID,
      '0000000218250097',
      '000000021825009',
      `https://orcid.org/${ORCID_ID}`,
      `https://sandbox.orcid.org/${ORCID_ID}`,
      'ada@idp.uni.example',
      person.id,
    ])
      assert.deepEqual(await found(q), [person.id], q);
    assert.deepEqual(await found('%'), [], 'a % matched accounts without one');
    assert.deepEqual(await found('0000-0002-1825-0098'), [], 'a wrong check digit found the iD');
    assert.equal((await found(other.email)).length, 1);

    const page = await browser.get(`/admin?q=${ORCID_ID}&lang=en`);
    const text = mainText(page.body);
    assert.match(text, /1 account found/);
    assert.match(text, /Ada Lovelace-Search/);
    assert.match(text, /Password, orcid, saml-uni|Password, ORCID iD, saml-uni/);
    assert.match(text, /Active/);
    assert.match(page.body, new RegExp(`href="/admin/accounts/${person.id}"`));
    const none = await browser.get('/admin?q=nobody-here-at-all&lang=de');
    assert.match(mainText(none.body), /Kein Konto passt zu „nobody-here-at-all“/);
  });

  test('the account page shows details, identities, live sessions, registrations in flight and the audit trail', async () => {
    const app = ctx();
    const { browser } = await operator(app);
    const person = await seedAccount(app.lanyard);
    const device = app.browser();
    await device.get('/login');
    await device.post(
      '/login',
      { email: person.email, password: PASSWORD },
      { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' },
    );
    await createRegistration(
      app.lanyard.db,
      { type: 'CHANGE_PASSWORD', email: person.email, accountId: person.id },
      3600,
      app.lanyard.clock.now(),
    );
    const page = await browser.get(`/admin/accounts/${person.id}?lang=en`);
    assert.equal(page.status, 200);
    const text = mainText(page.body);
    assert.match(text, new RegExp(person.email.replace(/[.]/g, '\\.')));
    assert.match(text, /Ways to sign in Password/);
    assert.match(text, /Firefox on Linux/);
    assert.match(page.body, /data-registration="CHANGE_PASSWORD"/);
    assert.match(page.body, /<tr data-action="sign_in"/);
    assert.match(page.body, /action="\/admin\/accounts\/[0-9a-f-]+\/disable"/);
    const german = mainText((await browser.get(`/admin/accounts/${person.id}?lang=de`)).body);
    assert.match(german, /Laufende Registrierungen/);
    assert.match(german, /Konto sperren/);
    const unknown = await browser.get('/admin/accounts/00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.status, 404);
  });

  test('disabling signs the person out everywhere at once, is audited with the admin as actor, and says so; enabling lets them back', async () => {
    const app = ctx();
    const { account: admin, browser } = await operator(app);
    const person = await seedAccount(app.lanyard);
    const laptop = await signedInBrowser(app, person.email);
    const phone = await signedInBrowser(app, person.email);
    await browser.get(`/admin/accounts/${person.id}?lang=en`);
    const done = await browser.post(`/admin/accounts/${person.id}/disable`, {});
    assert.equal(done.status, 303);
    assert.equal(done.location, `/admin/accounts/${person.id}`);
    const after = await browser.get(done.location!);
    assert.match(
      mainText(after.body),
      new RegExp(`${person.email.replace(/[.]/g, '\\.')} is disabled\\. 2 devices are signed out\\.`),
    );
    assert.match(mainText(after.body), /State Disabled/);
    assert.equal(await signedIn(laptop), false, 'the laptop is still signed in');
    assert.equal(await signedIn(phone), false, 'the phone is still signed in');
    const refused = await app
      .browser()
      .get('/login')
      .then(async () => {
        const b = app.browser();
        await b.get('/login');
        return b.post('/login', { email: person.email, password: PASSWORD });
      });
    assert.notEqual(refused.status, 303, 'a disabled account signed in');
    const [audit] = await auditOf(app.lanyard, person.id, 'account_disabled');
    assert.equal(audit?.actor_account_id, admin.id);

    await browser.get(`/admin/accounts/${person.id}?lang=de`);
    const enabled = await browser.post(`/admin/accounts/${person.id}/enable`, {});
    assert.equal(enabled.status, 303);
    assert.match(mainText((await browser.get(enabled.location!)).body), /ist entsperrt und kann sich wieder anmelden/);
    assert.equal((await auditOf(app.lanyard, person.id, 'account_enabled'))[0]?.actor_account_id, admin.id);
    assert.equal(await signedIn(await signedInBrowser(app, person.email)), true);
  });

  test('attack: a session written while the account was disabled (a sign-in that passed its check as the disable committed) stays dead when the account is enabled again; enabling an enabled account signs no one out', async () => {
    const app = ctx();
    const { browser } = await operator(app);
    const person = await seedAccount(app.lanyard);
    const kept = await signedInBrowser(app, person.email);
    await browser.get(`/admin/accounts/${person.id}?lang=en`);
    assert.equal((await browser.post(`/admin/accounts/${person.id}/enable`, {})).status, 303);
    assert.equal(await signedIn(kept), true, 'enabling an enabled account signed it out');

    assert.equal((await browser.post(`/admin/accounts/${person.id}/disable`, {})).status, 303);
    // What the racing sign-in wrote: a session row of the now disabled account.
    const { cookieValue } = await createSession(
      app.lanyard.db,
      { accountId: person.id, amr: ['pwd'], ttlSeconds: 3600 },
      app.lanyard.clock.now(),
    );
    const raced = app.browser();
    raced.setCookie(cookieNames(app.lanyard.config).session, cookieValue);
    assert.equal(await signedIn(raced), false, 'a disabled account is signed in');
    assert.equal((await browser.post(`/admin/accounts/${person.id}/enable`, {})).status, 303);
    assert.equal(await signedIn(raced), false, 'enabling the account brought back a session written while disabled');
    assert.equal(await signedIn(await signedInBrowser(app, person.email)), true);
  });

  test('"sign out all devices" ends every session of the account, audited with the admin as actor', async () => {
    const app = ctx();
    const { account: admin, browser } = await operator(app);
    const person = await seedAccount(app.lanyard);
    const laptop = await signedInBrowser(app, person.email);
    await browser.get(`/admin/accounts/${person.id}?lang=en`);
    const done = await browser.post(`/admin/accounts/${person.id}/sign-out-everywhere`, {});
    assert.equal(done.status, 303);
    assert.match(mainText((await browser.get(done.location!)).body), /1 device of .* is signed out\./);
    assert.equal(await signedIn(laptop), false);
    const [audit] = await auditOf(app.lanyard, person.id, 'session_revoked');
    assert.equal(audit?.actor_account_id, admin.id);
    assert.equal(await signedIn(browser), true, 'the admin was signed out');
  });

  test("cancelling a registration in flight expires it at once, says so and is audited; another account's is not found", async () => {
    const app = ctx();
    const { account: admin, browser } = await operator(app);
    const person = await seedAccount(app.lanyard);
    const other = await seedAccount(app.lanyard);
    const now = app.lanyard.clock.now();
    const { registration } = await createRegistration(
      app.lanyard.db,
      { type: 'FORGOT', email: person.email, accountId: person.id },
      3600,
      now,
    );
    const { registration: foreign } = await createRegistration(
      app.lanyard.db,
      { type: 'FORGOT', email: other.email, accountId: other.id },
      3600,
      now,
    );
    const path = `/admin/accounts/${person.id}`;
    const page = await browser.get(`${path}?lang=en`);
    assert.match(page.body, new RegExp(`action="${path}/registrations/${registration.id}/cancel"`));
    await expectNoChange(app.lanyard.db, async () => {
      for (const id of [foreign.id, 'not-a-registration']) {
        const refused = await browser.post(`${path}/registrations/${id}/cancel`, {});
        assert.equal(refused.status, 404, id);
        assert.match(refused.body, /NOT_FOUND/);
      }
    });
    const done = await browser.post(`${path}/registrations/${registration.id}/cancel`, {});
    assert.equal(done.status, 303);
    const after = mainText((await browser.get(done.location!)).body);
    assert.match(after, /The FORGOT registration of .* is cancelled/);
    assert.match(after, /No registration is waiting\./);
    const row = await app.lanyard.db
      .selectFrom('registration')
      .selectAll()
      .where('id', '=', registration.id)
      .executeTakeFirstOrThrow();
    assert.ok(row.expires_at.getTime() <= app.lanyard.clock.now().getTime());
    assert.equal((await auditOf(app.lanyard, person.id, 'registration_cancelled'))[0]?.actor_account_id, admin.id);
    const again = await browser.post(`${path}/registrations/${registration.id}/cancel`, {});
    assert.equal(again.status, 404, 'a cancelled registration was cancelled twice');
  });

  test('attack: a form without the CSRF token is refused and changes nothing', async () => {
    const app = ctx();
    const { browser } = await operator(app);
    const { client } = await addOidcClient(
      app.lanyard.db,
      { name: 'Repository', redirectUris: ['https://repo.example/cb'], auth: 'client_secret_basic' },
      new Date(),
    );
    await browser.get('/admin/clients');
    const person = await seedAccount(app.lanyard);
    const { registration } = await createRegistration(
      app.lanyard.db,
      { type: 'FORGOT', email: person.email, accountId: person.id },
      3600,
      app.lanyard.clock.now(),
    );
    await expectNoChange(app.lanyard.db, async () => {
      for (const action of [
        'disable',
        'enable',
        'sign-out-everywhere',
        `registrations/${registration.id}/cancel`,
        `registrations/${registration.id}/resend`,
      ]) {
        const done = await browser.post(`/admin/accounts/${person.id}/${action}`, { _csrf: '' });
        assert.equal(done.status, 403, action);
        assert.match(done.body, /CSRF_FAILED/, action);
      }
      for (const [path, body] of clientPosts(client.client_id)) {
        const done = await browser.post(path, { ...body, _csrf: '' });
        assert.equal(done.status, 403, path);
        assert.match(done.body, /CSRF_FAILED/, path);
        assert.doesNotMatch(done.body, /data-secret/, path);
      }
    });
  });

  test('a stale sign-in is sent to sign in again and back to the account page; the action waits for it', async () => {
    const app = ctx();
    const { account: admin, browser } = await operator(app);
    const person = await seedAccount(app.lanyard);
    const path = `/admin/accounts/${person.id}`;
    await browser.get(path);
    app.clock.advance(app.config.reauthSeconds * 1000 + 1000);
    try {
      await expectNoChange(app.lanyard.db, async () => {
        const stale = await browser.post(`${path}/disable`, {});
        assert.equal(stale.status, 303);
        assert.equal(stale.location, `/login?reauth=1&returnTo=${encodeURIComponent(path)}`);
      });
      await browser.get(`/login?reauth=1&returnTo=${encodeURIComponent(path)}`);
      const again = await browser.post('/login', { email: admin.email, password: PASSWORD, returnTo: path });
      assert.equal(again.location, path);
      await browser.get(path);
      const done = await browser.post(`${path}/disable`, {});
      assert.equal(done.location, path);
      assert.equal(
        (
          await app.lanyard.db
            .selectFrom('account')
            .select('status')
            .where('id', '=', person.id)
            .executeTakeFirstOrThrow()
        ).status,
        'disabled',
      );
    } finally {
      app.clock.advance(-(app.config.reauthSeconds * 1000 + 1000));
    }
  });

  test('a stale sign-in on the clients page is sent to sign in again and back; nothing changes before', async () => {
    const app = ctx();
    const { browser } = await operator(app);
    const { client } = await addOidcClient(
      app.lanyard.db,
      { name: 'Repository', redirectUris: ['https://repo.example/cb'], auth: 'client_secret_basic' },
      new Date(),
    );
    await browser.get('/admin/clients');
    app.clock.advance(app.config.reauthSeconds * 1000 + 1000);
    try {
      await expectNoChange(app.lanyard.db, async () => {
        for (const [path, body] of clientPosts(client.client_id)) {
          const stale = await browser.post(path, body);
          assert.equal(stale.status, 303, path);
          assert.equal(stale.location, `/login?reauth=1&returnTo=${encodeURIComponent('/admin/clients')}`, path);
        }
      });
    } finally {
      app.clock.advance(-(app.config.reauthSeconds * 1000 + 1000));
    }
  });

  test('attack: the last enabled admin disabling themself is refused with LAST_ADMIN; with another admin it is allowed', async () => {
    const app = ctx();
    // This test needs to know every admin: the others of this suite are disabled first.
    await app.lanyard.db.updateTable('account').set({ status: 'disabled' }).where('is_admin', '=', true).execute();
    const { account: admin, browser } = await operator(app);
    await browser.get(`/admin/accounts/${admin.id}`);
    await expectNoChange(app.lanyard.db, async () => {
      const refused = await browser.post(`/admin/accounts/${admin.id}/disable`, {});
      assert.equal(refused.status, 409);
      assert.match(refused.body, /LAST_ADMIN/);
    });
    assert.equal(await signedIn(browser), true);

    const second = await operator(app);
    await browser.get(`/admin/accounts/${admin.id}`);
    const done = await browser.post(`/admin/accounts/${admin.id}/disable`, {});
    assert.equal(done.status, 303);
    assert.equal(done.location, '/login');
    assert.equal(await signedIn(browser), false);
    // Now the second admin is the last one.
    await second.browser.get(`/admin/accounts/${second.account.id}`);
    const last = await second.browser.post(`/admin/accounts/${second.account.id}/disable`, {});
    assert.equal(last.status, 409);
  });

  test('attack: admins who cannot sign in do not count: the last admin who can is refused LAST_ADMIN', async () => {
    const app = ctx();
    await app.lanyard.db.updateTable('account').set({ status: 'disabled' }).where('is_admin', '=', true).execute();
    const { account: admin, browser } = await operator(app);
    // Two more admins that nobody can use: one disabled, one barred from signing in.
    const disabled = await makeAdmin(app.lanyard, await seedAccount(app.lanyard));
    await updateAccount(app.lanyard.db, disabled.id, { status: 'disabled' }, app.lanyard.clock.now());
    const barred = await makeAdmin(app.lanyard, await seedAccount(app.lanyard));
    await updateAccount(app.lanyard.db, barred.id, { can_log_in: false }, app.lanyard.clock.now());
    await browser.get(`/admin/accounts/${admin.id}`);
    await expectNoChange(app.lanyard.db, async () => {
      const refused = await browser.post(`/admin/accounts/${admin.id}/disable`, {});
      assert.equal(refused.status, 409);
      assert.match(refused.body, /LAST_ADMIN/);
    });
    assert.equal(await signedIn(browser), true);
    // The barred admin itself may be disabled: it was not counted.
    await browser.get(`/admin/accounts/${barred.id}`);
    assert.equal((await browser.post(`/admin/accounts/${barred.id}/disable`, {})).status, 303);
  });

  test('attack: the last two admins disabling each other at the same moment: exactly one of them succeeds', async () => {
    const app = ctx();
    await app.lanyard.db.updateTable('account').set({ status: 'disabled' }).where('is_admin', '=', true).execute();
    const a = await operator(app);
    const b = await operator(app);
    await a.browser.get(`/admin/accounts/${b.account.id}`);
    await b.browser.get(`/admin/accounts/${a.account.id}`);
    const answers = await Promise.all([
      a.browser.post(`/admin/accounts/${b.account.id}/disable`, {}),
      b.browser.post(`/admin/accounts/${a.account.id}/disable`, {}),
    ]);
    // One wins. The other is refused: LAST_ADMIN (409) when it got past sign-in first, or — when
    // the winner's commit had already ended its session — as signed out (401/403). Never two 303s.
    const statuses = answers.map((p) => p.status).sort();
    assert.equal(statuses[0], 303, `answers: ${statuses.join(', ')}`);
    assert.ok([401, 403, 409].includes(statuses[1]!), `answers: ${statuses.join(', ')}`);
    const enabled = await app.lanyard.db
      .selectFrom('account')
      .select('id')
      .where('is_admin', '=', true)
      .where('status', '=', 'active')
      .execute();
    assert.equal(enabled.length, 1, 'no enabled admin is left');
  });
});

for (const backend of backends()) {
  describe(`operators' console and the OpenID provider [${backend}]`, async () => {
    const reason = await skipReason(backend);
    let app: TestApp & { url: string };
    before(async () => {
      if (!reason) app = await createListeningTestApp(backend);
    });
    after(async () => app?.close());

    test(
      'disabling an account ends its grants and tokens at the OpenID provider',
      { skip: reason || false },
      async () => {
        const person = await seedAccount(app.lanyard);
        const rp = await registerRelyingParty(app);
        const req = await authorizationRequest(rp);
        const b = new Browser(app.app, 'http://browser-origin.invalid');
        const tokens = await redeem(rp, await passwordSignIn(app, b, req.url, person.email, rp.redirect), req);
        await oidc.fetchUserInfo(rp.config, tokens.access_token, person.id);
        const grants = () => countRows(app.lanyard.db, 'oidc_payload', ['model', 'Grant']);
        assert.ok((await grants()) >= 1);

        const { browser } = await operator(app);
        await browser.get(`/admin/accounts/${person.id}`);
        assert.equal((await browser.post(`/admin/accounts/${person.id}/disable`, {})).status, 303);
        const rows = await app.lanyard.db.selectFrom('oidc_payload').select(['model', 'payload']).execute();
        const ofPerson = rows.filter((r) => (r.payload as { accountId?: string }).accountId === person.id);
        assert.deepEqual(ofPerson, [], 'grants, tokens or sessions of the account are left');
        await assert.rejects(oidc.fetchUserInfo(rp.config, tokens.access_token, person.id));
        const [audit] = await auditOf(app.lanyard, person.id, 'account_disabled');
        assert.ok(((audit?.detail as { grants?: number }).grants ?? 0) >= 1);
      },
    );
  });
}
