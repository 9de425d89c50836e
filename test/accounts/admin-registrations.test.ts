import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Account } from '../../src/db/schema.js';
import type { Lanyard } from '../../src/lanyard.js';
import { updateAccount } from '../../src/stores/accounts.js';
import { createRegistration } from '../../src/stores/registrations.js';
import { mailedLink, seedAccount, signedInBrowser } from '../support/accounts.js';
import type { Browser } from '../support/browser.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { linkIn } from '../support/mail-catcher.js';
import { forEachBackend } from '../support/suite.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

const MAIL_PER_HOUR = 2;

const mainText = (body: string) =>
  (body.match(/<main[\s\S]*<\/main>/)?.[0] ?? '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const pathOf = (link: string) => new URL(link).pathname;

/** An admin account and a browser signed in to it, on the console (its CSRF token known). */
async function operator(app: TestApp): Promise<{ account: Account; browser: Browser }> {
  const seeded = await seedAccount(app.lanyard);
  const account = await updateAccount(app.lanyard.db, seeded.id, { is_admin: true }, app.lanyard.clock.now());
  const browser = await signedInBrowser(app, account.email);
  assert.equal((await browser.get('/admin')).status, 200);
  return { account, browser };
}

const auditOf = (lanyard: Lanyard, accountId: string, action: string) =>
  lanyard.db
    .selectFrom('audit_event')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('action', '=', action)
    .execute();

forEachBackend(
  "operators' console: sending a registration's mail again, and the mail on disabling",
  (ctx) => {
    test('a password reset in flight is sent again with a new link; the old one dies; audited with the operator', async () => {
      const app = ctx();
      const { account: admin, browser } = await operator(app);
      const person = await seedAccount(app.lanyard);
      const first = pathOf(await mailedLink(app, '/forgot', person.email, '/forgot/'));
      const path = `/admin/accounts/${person.id}`;
      const page = await browser.get(path);
      const id = page.body.match(/registrations\/([0-9a-f-]{36})\/resend/)?.[1];
      assert.ok(id, 'no "Send again" on the account page');

      const earlier = new Set(app.mail.messages);
      const sent = await browser.post(`${path}/registrations/${id}/resend`, {});
      assert.equal(sent.status, 303, sent.body.slice(0, 300));
      assert.equal(sent.location, path);
      assert.match(
        mainText((await browser.get(`${path}?lang=en`)).body),
        new RegExp(`The FORGOT link was sent again to ${person.email.replace(/[.]/g, '\\.')}`),
      );
      const again = pathOf(linkIn(await app.mail.waitFor(person.email, (m) => !earlier.has(m)), '/forgot/'));
      assert.notEqual(again, first);
      const stale = await app.browser().get(first);
      assert.equal(stale.status, 401, 'the earlier link still works');
      assert.equal((await app.browser().get(again)).status, 200);
      const [event] = await auditOf(app.lanyard, person.id, 'registration_resent');
      assert.equal(event?.actor_account_id, admin.id);
      assert.deepEqual(event?.detail, { registration: id, type: 'FORGOT' });
    });

    test('a mailed ORCID link is sent again as the same kind of mail; a browser-bound one cannot be, nothing changed', async () => {
      const app = ctx();
      const { browser } = await operator(app);
      const person = await seedAccount(app.lanyard);
      const now = app.lanyard.clock.now();
      const { registration: mailed } = await createRegistration(
        app.lanyard.db,
        { type: 'VALIDATION', email: person.email, provider: 'orcid', subject: '0000-0002-1825-0097', mailed: true },
        3600,
        now,
      );
      const { registration: bound } = await createRegistration(
        app.lanyard.db,
        { type: 'EXTERNAL', email: person.email, provider: 'orcid', subject: '0000-0001-5109-3700' },
        3600,
        now,
      );
      const path = `/admin/accounts/${person.id}`;
      const page = await browser.get(path);
      assert.match(page.body, new RegExp(`registrations/${mailed.id}/resend`));
      assert.doesNotMatch(page.body, new RegExp(`registrations/${bound.id}/resend`), 'a browser-bound one offered');

      const earlier = new Set(app.mail.messages);
      assert.equal((await browser.post(`${path}/registrations/${mailed.id}/resend`, {})).status, 303);
      const mail = await app.mail.waitFor(person.email, (m) => !earlier.has(m));
      assert.match(mail.subject, /Link ORCID/);
      assert.match(mail.text, /0000-0002-1825-0097/);
      linkIn(mail, '/review-account/');

      await browser.get(path);
      const refused = await expectNoChange(app.lanyard.db, () =>
        browser.post(`${path}/registrations/${bound.id}/resend`, {}),
      );
      assert.equal(refused.status, 409);
      assert.match(refused.body, /REGISTRATION_NOT_MAILED/);
    });

    test('held back by the mail limit: the page says so, nothing changes, and the earlier link still works', async () => {
      const app = ctx();
      const { browser } = await operator(app);
      const person = await seedAccount(app.lanyard);
      let link = '';
      for (let i = 0; i < MAIL_PER_HOUR; i++) link = pathOf(await mailedLink(app, '/forgot', person.email, '/forgot/'));
      const path = `/admin/accounts/${person.id}`;
      const id = (await browser.get(path)).body.match(/registrations\/([0-9a-f-]{36})\/resend/)?.[1];
      assert.ok(id);
      const held = await expectNoChange(app.lanyard.db, () => browser.post(`${path}/registrations/${id}/resend`, {}));
      assert.equal(held.status, 303);
      assert.match(
        mainText((await browser.get(`${path}?lang=en`)).body),
        /Nothing was sent: .* already had 2 mails in the last hour\. The earlier link still works\. Try again in \d+ minutes?\./,
      );
      assert.equal((await app.browser().get(link)).status, 200);
    });

    test("attack: another account's registration, a made-up id, a stale sign-in — refused, nothing changed", async () => {
      const app = ctx();
      const { browser } = await operator(app);
      const person = await seedAccount(app.lanyard);
      const stranger = await seedAccount(app.lanyard);
      const { registration } = await createRegistration(
        app.lanyard.db,
        { type: 'FORGOT', email: stranger.email, accountId: stranger.id },
        3600,
        app.lanyard.clock.now(),
      );
      const path = `/admin/accounts/${person.id}`;
      await browser.get(path);
      await expectNoChange(app.lanyard.db, async () => {
        for (const id of [registration.id, 'not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
          const done = await browser.post(`${path}/registrations/${id}/resend`, {});
          assert.equal(done.status, 404, id);
          assert.match(done.body, /NOT_FOUND/, id);
        }
      });
      const own = `/admin/accounts/${stranger.id}`;
      await browser.get(own);
      app.clock.advance(app.config.reauthSeconds * 1000 + 1000);
      try {
        const stale = await expectNoChange(app.lanyard.db, () =>
          browser.post(`${own}/registrations/${registration.id}/resend`, {}),
        );
        assert.equal(stale.status, 303);
        assert.equal(stale.location, `/login?reauth=1&returnTo=${encodeURIComponent(own)}`);
      } finally {
        app.clock.advance(-(app.config.reauthSeconds * 1000 + 1000));
      }
    });

    test('disabling an account mails its owner, even when the address had all its mails this hour', async () => {
      const app = ctx();
      const { browser } = await operator(app);
      const person = await seedAccount(app.lanyard);
      for (let i = 0; i < MAIL_PER_HOUR; i++) await mailedLink(app, '/forgot', person.email, '/forgot/');
      const path = `/admin/accounts/${person.id}`;
      await browser.get(path);
      assert.equal((await browser.post(`${path}/disable`, {})).status, 303);
      const mail = await app.mail.waitFor(person.email, (m) => /was disabled/.test(m.subject));
      assert.match(mail.text, /A repository manager disabled your account/);
      const rows = await app.lanyard.db
        .selectFrom('email_outbox')
        .select(['kind', 'held_reason'])
        .where('to_address', '=', person.email)
        .where('kind', '=', 'account_disabled')
        .execute();
      assert.deepEqual(rows, [{ kind: 'account_disabled', held_reason: null }]);
      // Enabling and disabling again mails again; a second disable of a disabled account does not.
      await browser.get(path);
      assert.equal((await browser.post(`${path}/disable`, {})).status, 303);
      assert.equal(
        (
          await app.lanyard.db
            .selectFrom('email_outbox')
            .select('kind')
            .where('to_address', '=', person.email)
            .where('kind', '=', 'account_disabled')
            .execute()
        ).length,
        1,
      );
    });
  },
  { ...withOrcid, LANYARD_RATE_MAIL_PER_HOUR: String(MAIL_PER_HOUR) },
);
