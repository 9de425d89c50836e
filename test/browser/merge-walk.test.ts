import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createAccount, updateAccount } from '../../src/stores/accounts.js';
import { insertIdentity } from '../../src/stores/identities.js';
import { PASSWORD, seedAccount, uniqueEmail } from '../support/accounts.js';
import { assertAccessible, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { createListeningTestApp } from '../support/listening-app.js';
import type { TestApp } from '../support/test-app.js';

const reason = chromiumSkipReason();
if (reason) console.log(`# browser tests skipped: ${reason}`);

/**
 * A repository manager merges a person's ORCID-only duplicate into their password account: the
 * account page's merge form, the preview of what moves, and the one confirmation pressed with the
 * keyboard — in both languages, axe clean on every page.
 */
describe('merging duplicate accounts in Chromium, with axe', { skip: reason || false }, () => {
  let app: TestApp & { url: string };
  let chromium: Browser;

  before(async () => {
    app = await createListeningTestApp('pglite');
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await app?.close();
  });

  const cases = [
    {
      lang: 'en',
      orcid: '0000-0002-1825-0097',
      words: {
        field: 'Merge another account into this one',
        preview: 'Show what moves',
        confirm: 'Merge the accounts',
        done: /is merged into this account: 1 way to sign in moved/,
      },
    },
    {
      lang: 'de',
      orcid: '0000-0001-5109-3700',
      words: {
        field: 'Ein anderes Konto in dieses übernehmen',
        preview: 'Anzeigen, was sich ändert',
        confirm: 'Konten zusammenführen',
        done: /ist in dieses Konto übernommen: 1 Anmeldeweg wurde verschoben/,
      },
    },
  ] as const;

  for (const { lang, orcid, words } of cases)
    test(`${lang.toUpperCase()}: account page → merge form → preview → confirm by keyboard`, async () => {
      const now = app.lanyard.clock.now();
      const admin = await seedAccount(app.lanyard);
      await updateAccount(app.lanyard.db, admin.id, { is_admin: true }, now);
      const survivor = await seedAccount(app.lanyard);
      const duplicate = await createAccount(app.lanyard.db, { email: uniqueEmail('dup'), email_verified_at: now }, now);
      await insertIdentity(app.lanyard.db, duplicate.id, { provider: 'orcid', subject: orcid }, now);

      const context = await chromium.newContext();
      const page = await context.newPage();
      await page.goto(`${app.url}/login?lang=${lang}`);
      await page.getByLabel(lang === 'de' ? 'E-Mail-Adresse' : 'Email address', { exact: true }).fill(admin.email);
      await page.getByLabel(lang === 'de' ? 'Passwort' : 'Password', { exact: true }).fill(PASSWORD);
      await Promise.all([page.waitForURL(`${app.url}/profile`), page.keyboard.press('Enter')]);

      await page.goto(`${app.url}/admin/accounts/${survivor.id}`);
      await assertAccessible(page);
      await page.getByLabel(words.field).fill(duplicate.email);
      await Promise.all([page.waitForURL(/\/merge\?duplicate=/), page.keyboard.press('Enter')]);
      await assertAccessible(page);
      assert.equal(await page.locator('li[data-identity="orcid"]').count(), 1);

      const button = page.getByRole('button', { name: words.confirm });
      const focused = () => button.evaluate((b) => b === b.ownerDocument.activeElement);
      for (let i = 0; i < 40 && !(await focused()); i++) await page.keyboard.press('Tab');
      assert.ok(await focused(), 'the confirmation was never reached by Tab');
      await Promise.all([page.waitForURL(`${app.url}/admin/accounts/${survivor.id}`), page.keyboard.press('Enter')]);
      assert.match(await page.getByRole('status').first().innerText(), words.done);
      await assertAccessible(page);
      const moved = await app.lanyard.db
        .selectFrom('identity')
        .select('account_id')
        .where('subject', '=', orcid)
        .execute();
      assert.deepEqual(moved, [{ account_id: survivor.id }]);
      await context.close();
    });
});
