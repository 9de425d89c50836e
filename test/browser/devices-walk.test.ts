import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { seedAccount, uniqueEmail } from '../support/accounts.js';
import { linkIn } from '../support/mail-catcher.js';
import { assertAccessible, chromiumSkipReason, launchChromium, signInWithPasswordIn } from '../support/chromium.js';
import { createListeningTestApp } from '../support/listening-app.js';
import type { TestApp } from '../support/test-app.js';

const reason = chromiumSkipReason();
if (reason) console.log(`# browser tests skipped: ${reason}`);

/**
 * A person who gets a "new sign-in" worry: from the account page to the devices list, signs the
 * other device out with the keyboard alone, then reads the security activity — in both languages,
 * axe clean on every page.
 */
describe('devices and activity in Chromium, keyboard only, with axe', { skip: reason || false }, () => {
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

  for (const lang of ['en', 'de'] as const)
    test(`${lang.toUpperCase()}: /profile → devices → sign the other device out by keyboard → activity`, async () => {
      const words =
        lang === 'de'
          ? {
              devices: 'Geräte und Sitzungen',
              signOut: 'Abmelden',
              activity: 'Sicherheitsereignisse',
              done: /abgemeldet/,
            }
          : { devices: 'Devices and sessions', signOut: 'Sign out', activity: 'Security activity', done: /signed out/ };
      const account = await seedAccount(app.lanyard);
      const laptop = await chromium.newContext();
      const other = await chromium.newContext({
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      });
      const page = await signIn(laptop, account.email, lang);
      const otherPage = await signIn(other, account.email, lang);

      await page.getByRole('link', { name: words.devices }).click();
      await page.waitForURL(`${app.url}/profile/sessions`);
      await assertAccessible(page);
      // The other device's button, reached with Tab and pressed with Enter.
      const button = page.getByRole('button', { name: new RegExp(`^${words.signOut}: Firefox`) });
      const focused = () => button.evaluate((b) => b === b.ownerDocument.activeElement);
      for (let i = 0; i < 40 && !(await focused()); i++) await page.keyboard.press('Tab');
      assert.ok(await focused(), 'the button was never reached by Tab');
      await Promise.all([page.waitForURL(`${app.url}/profile/sessions`), page.keyboard.press('Enter')]);
      assert.match(await page.getByRole('status').innerText(), words.done);
      await assertAccessible(page);

      await otherPage.reload();
      assert.match(new URL(otherPage.url()).pathname, /^\/login/, 'the other device is still signed in');

      await page.goto(`${app.url}/profile`);
      await page.getByRole('link', { name: words.activity }).click();
      await page.waitForURL(`${app.url}/profile/activity`);
      await assertAccessible(page);
      assert.equal(await page.locator('tr[data-action="session_revoked"]').count(), 1);
      await laptop.close();
      await other.close();
    });

  for (const lang of ['en', 'de'] as const)
    test(`${lang.toUpperCase()}: /profile → a new email address → the mailed link → confirmed, by keyboard`, async () => {
      const words =
        lang === 'de'
          ? {
              field: 'Neue E-Mail-Adresse',
              send: 'Bestätigungslink senden',
              use: 'Diese Adresse verwenden',
              done: /ist jetzt/,
            }
          : { field: 'New email address', send: 'Send confirmation link', use: 'Use this address', done: /is now/ };
      const account = await seedAccount(app.lanyard);
      const to = uniqueEmail('walk');
      const context = await chromium.newContext();
      const page = await signIn(context, account.email, lang);
      await page.getByLabel(words.field).fill(to);
      await Promise.all([page.waitForURL(`${app.url}/profile`), page.getByLabel(words.field).press('Enter')]);
      assert.match(await page.getByRole('status').first().innerText(), new RegExp(to.replace(/[.]/g, '\\.')));
      await assertAccessible(page);

      const link = linkIn(await app.mail.waitFor(to), '/profile/email/');
      await page.goto(link.replace(/^https?:\/\/[^/]+/, app.url));
      await assertAccessible(page);
      const button = page.getByRole('button', { name: words.use });
      const focused = () => button.evaluate((b) => b === b.ownerDocument.activeElement);
      for (let i = 0; i < 20 && !(await focused()); i++) await page.keyboard.press('Tab');
      assert.ok(await focused(), 'the button was never reached by Tab');
      await Promise.all([page.waitForURL(`${app.url}/profile`), page.keyboard.press('Enter')]);
      assert.match(await page.getByRole('status').first().innerText(), words.done);
      await assertAccessible(page);
      await context.close();
    });
});
