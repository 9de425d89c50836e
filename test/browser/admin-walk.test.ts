import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { updateAccount } from '../../src/stores/accounts.js';
import { insertIdentity } from '../../src/stores/identities.js';
import { createRegistration } from '../../src/stores/registrations.js';
import { seedAccount } from '../support/accounts.js';
import { assertAccessible, chromiumSkipReason, launchChromium, signInWithPasswordIn } from '../support/chromium.js';
import { createListeningTestApp } from '../support/listening-app.js';
import type { TestApp } from '../support/test-app.js';

const reason = chromiumSkipReason();
if (reason) console.log(`# browser tests skipped: ${reason}`);

/**
 * A repository manager asked to lock out a person known by their ORCID iD: from the navigation to
 * the console, a search with the iD's URL, the account page, and "Disable account" pressed with
 * the keyboard — in both languages, axe clean on every page, and the person's own browser signed
 * out at once.
 */
describe("operators' console in Chromium, with axe", { skip: reason || false }, () => {
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

  const signIn = (context: BrowserContext, email: string, lang: 'en' | 'de') =>
    signInWithPasswordIn(context, app.url, email, lang);

  const cases = [
    { lang: 'en', orcid: '0000-0002-1825-0097' },
    { lang: 'de', orcid: '0000-0001-5109-3700' },
  ] as const;

  for (const { lang, orcid } of cases)
    test(`${lang.toUpperCase()}: Operators → search by ORCID iD URL → account page → disable by keyboard`, async () => {
      const words =
        lang === 'de'
          ? {
              nav: 'Betrieb',
              find: 'Konto finden',
              search: 'Suchen',
              disable: 'Konto sperren',
              done: /ist gesperrt/,
              duplicates: 'Mögliche Dubletten',
              clients: 'OpenID-Connect-Clients',
              name: 'Name',
              redirect: 'Weiterleitungs-URIs',
              add: 'Client hinzufügen',
              remove: 'Entfernen',
              confirmRemove: 'Client entfernen',
              removed: /ist entfernt/,
              from: 'Von (TT.MM.JJJJ)',
              show: 'Ereignisse zeigen',
              notADay: /als TT\.MM\.JJJJ/,
            }
          : {
              nav: 'Operators',
              find: 'Find an account',
              search: 'Search',
              disable: 'Disable account',
              done: /is disabled/,
              duplicates: 'Possible duplicates',
              clients: 'OpenID Connect clients',
              name: 'Name',
              redirect: 'Redirect URIs',
              add: 'Add client',
              remove: 'Remove',
              confirmRemove: 'Remove the client',
              removed: /is removed/,
              from: 'From (YYYY-MM-DD)',
              show: 'Show events',
              notADay: /as YYYY-MM-DD/,
            };
      const now = app.lanyard.clock.now();
      const admin = await seedAccount(app.lanyard);
      await updateAccount(app.lanyard.db, admin.id, { is_admin: true }, now);
      const person = await seedAccount(app.lanyard);
      await insertIdentity(app.lanyard.db, person.id, { provider: 'orcid', subject: orcid }, now);
      // A password reset in flight, so the page shows "Send again" and "Cancel" beside it.
      await createRegistration(
        app.lanyard.db,
        { type: 'FORGOT', email: person.email, accountId: person.id },
        3600,
        now,
      );

      const operatorContext = await chromium.newContext();
      const personContext = await chromium.newContext();
      const page = await signIn(operatorContext, admin.email, lang);
      const personPage = await signIn(personContext, person.email, lang);

      await page.getByRole('link', { name: words.nav, exact: true }).click();
      await page.waitForURL(`${app.url}/admin`);
      await assertAccessible(page);
      await page.getByLabel(words.find).fill(`https://orcid.org/${orcid}`);
      await page.getByRole('button', { name: words.search }).click();
      await page.waitForURL(/\/admin\?q=/);
      await assertAccessible(page);
      await page.getByRole('link', { name: 'Test User' }).click();
      await page.waitForURL(`${app.url}/admin/accounts/${person.id}`);
      await assertAccessible(page);
      assert.equal(await page.locator('li[data-registration="FORGOT"] button').count(), 2);

      // "Disable account", reached with Tab and pressed with Enter.
      const button = page.getByRole('button', { name: words.disable });
      const focused = () => button.evaluate((b) => b === b.ownerDocument.activeElement);
      for (let i = 0; i < 40 && !(await focused()); i++) await page.keyboard.press('Tab');
      assert.ok(await focused(), 'the button was never reached by Tab');
      await Promise.all([page.waitForURL(`${app.url}/admin/accounts/${person.id}`), page.keyboard.press('Enter')]);
      assert.match(await page.getByRole('status').first().innerText(), words.done);
      await assertAccessible(page);
      assert.equal(await page.locator('tr[data-action="account_disabled"]').count(), 1);
      // The audit trail, filtered by the disable event.
      await page.goto(`${app.url}/admin/audit?action=account_disabled&account=${person.id}`);
      await assertAccessible(page);
      assert.equal(await page.locator('tr[data-action="account_disabled"]').count(), 1);
      // Days typed as the page's language writes them: a month first is not a day (the field says
      // how to write it, axe clean), the page's own way lists the event.
      const from = page.getByLabel(words.from);
      const [y, m, d] = app.clock.now().toISOString().slice(0, 10).split('-');
      await from.fill(`${m}/${d}/${y}`);
      await Promise.all([page.waitForURL(/from=/), page.getByRole('button', { name: words.show }).click()]);
      assert.equal(await page.locator('[data-error-code="INVALID_DAY"]').count(), 1);
      assert.match(await page.locator('#f-from-error').innerText(), words.notADay);
      assert.equal(await from.getAttribute('aria-invalid'), 'true');
      await assertAccessible(page);
      await from.fill(lang === 'de' ? `${d}.${m}.${y}` : `${y}-${m}-${d}`);
      await Promise.all([page.waitForURL(/from=/), page.getByRole('button', { name: words.show }).click()]);
      await page.locator('tr[data-action="account_disabled"]').waitFor();
      assert.equal(await page.locator('[data-error-code]').count(), 0);
      // The duplicates report, from the console's link: a namesake of the admin ("Test User") is listed.
      await seedAccount(app.lanyard);
      await page.goto(`${app.url}/admin`);
      await page.getByRole('link', { name: words.duplicates }).click();
      await page.waitForURL(`${app.url}/admin/duplicates`);
      await assertAccessible(page);
      assert.ok((await page.locator('table[data-duplicates="name"] tbody tr').count()) >= 1);

      // The OpenID Connect clients: add one, see its secret once, remove it after confirming.
      await page.goto(`${app.url}/admin`);
      await page.getByRole('link', { name: words.clients }).click();
      await page.waitForURL(`${app.url}/admin/clients`);
      await assertAccessible(page);
      const repo = `Repository ${lang}`;
      await page.getByLabel(words.name, { exact: true }).fill(repo);
      const longUri = `https://repository.university.example/oidc/${'callback-'.repeat(12)}end?tenant=${'x'.repeat(60)}`;
      await page.getByLabel(words.redirect).fill(`https://repo.example/callback\n${longUri}`);
      await page.getByRole('button', { name: words.add }).click();
      await page.waitForURL(`${app.url}/admin/clients`);
      assert.equal(await page.locator('code[data-secret]').count(), 1);
      await assertAccessible(page);
      await page.goto(`${app.url}/admin/clients`);
      await assertAccessible(page);
      assert.equal(await page.locator('code[data-secret]').count(), 0);
      // At 1024 px a long redirect URI wraps inside the card: nothing sticks out of it.
      await page.setViewportSize({ width: 1024, height: 800 });
      assert.equal(await page.locator('[data-client] code', { hasText: longUri }).count(), 1);
      const overflow = await page.locator('main .card').evaluate((card) => {
        const right = card.getBoundingClientRect().right;
        return [...card.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > right + 0.5).length;
      });
      assert.equal(overflow, 0, 'elements stick out of the card at 1024 px');
      await page.getByRole('link', { name: `${words.remove}: ${repo}` }).click();
      await page.waitForURL(/\/admin\/clients\/[\w-]+\/remove$/);
      await assertAccessible(page);
      await page.getByRole('button', { name: words.confirmRemove }).click();
      await page.waitForURL(`${app.url}/admin/clients`);
      assert.match(await page.getByRole('status').first().innerText(), words.removed);
      await assertAccessible(page);

      await personPage.reload();
      assert.match(new URL(personPage.url()).pathname, /^\/login/, 'the disabled person is still signed in');
      await operatorContext.close();
      await personContext.close();
    });
});
