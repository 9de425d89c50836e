import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { addOrcidUser } from '../support/orcid.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

const reason = chromiumSkipReason();
if (reason) console.log(`# browser tests skipped: ${reason}`);

/**
 * A researcher on the ORCID console: from /profile to "ORCID record and access", grants
 * repositories more at the emulator's consent page and withdraws it again, by keyboard, in both
 * languages, axe clean on every Lanyard page.
 */
describe('the ORCID console in Chromium, keyboard only, with axe', { skip: reason || false }, () => {
  let app: TestApp & { url: string };
  let chromium: Browser;

  before(async () => {
    app = await createListeningTestApp('pglite', { ...withOrcid, LANYARD_ORCID_MEMBER: 'true' });
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await app?.close();
  });

  const onLanyard = async (page: Page, path: RegExp) => {
    await page.waitForURL((u) => u.origin === app.url && path.test(u.pathname));
    await assertAccessible(page);
  };

  /** Tabs to the button named `name` and presses Enter. */
  const pressByKeyboard = async (page: Page, name: RegExp) => {
    const button = page.getByRole('button', { name });
    const focused = () => button.evaluate((b) => b === b.ownerDocument.activeElement);
    for (let i = 0; i < 60 && !(await focused()); i++) await page.keyboard.press('Tab');
    assert.ok(await focused(), `${name} was never reached by Tab`);
    await page.keyboard.press('Enter');
  };

  for (const lang of ['en', 'de'] as const)
    test(`${lang.toUpperCase()}: /profile → ORCID console → grant at ORCID → withdraw, by keyboard`, async () => {
      const words =
        lang === 'de'
          ? {
              nav: 'ORCID-Datensatz und Zugriff',
              grant: /^Zugriff bei ORCID erteilen$/,
              granted: /ORCID hat den Zugriff erteilt/,
              update: /Werke zu Ihrem ORCID-Datensatz hinzufügen/,
              withdraw: /^Zugriff entziehen$/,
              withdrawn: /Der Zugriff wurde entzogen/,
              works: 'Werke',
            }
          : {
              nav: 'ORCID record and access',
              grant: /^Grant access at ORCID$/,
              granted: /ORCID granted the access/,
              update: /Add works to your ORCID record/,
              withdraw: /^Withdraw access$/,
              withdrawn: /The access was withdrawn/,
              works: 'Works',
            };
      const orcid = addOrcidUser(app, {
        emails: [{ email: `console-walk-${lang}@uni.example`, visibility: 'public', verified: true }],
        works: [{ title: 'Silly String Theory', year: 2008, journal: 'Journal of Psychoceramics', doi: '10.5555/7' }],
      });
      const context = await chromium.newContext();
      const page = await context.newPage();
      await page.goto(`${app.url}/login?lang=${lang}`);
      await page.locator('a[href^="/auth/orcid"], a[href^="/login/orcid"]').first().click();
      await page.getByRole('button', { name: new RegExp(orcid) }).click();
      await onLanyard(page, /^\/external-login\//);
      await page.locator('form[action$="/create"] button[type="submit"]').click();
      await onLanyard(page, /^\/profile$/);

      await page.getByRole('link', { name: words.nav }).click();
      await onLanyard(page, /^\/profile\/orcid$/);
      await page.getByRole('heading', { name: words.works }).waitFor();
      assert.match(await page.locator('main').innerText(), /Silly String Theory/);

      await pressByKeyboard(page, words.grant);
      // The emulator remembers this browser's sign-in and asks to authorize the new scopes.
      const authorize = page.getByRole('button', { name: 'Authorize access' });
      await authorize.waitFor();
      await authorize.click();
      await onLanyard(page, /^\/profile\/orcid$/);
      assert.match(await page.getByRole('status').first().innerText(), words.granted);
      assert.match(await page.locator('[data-access="held"]').innerText(), words.update);

      // The withdrawal returns to the same URL: wait for that page's own request.
      const back = page.waitForResponse(
        (r) => r.url() === `${app.url}/profile/orcid` && r.request().method() === 'GET',
      );
      await pressByKeyboard(page, words.withdraw);
      await back;
      // The answer's headers arrive before its page replaces the old one: wait for the new page itself.
      await page.getByRole('status').filter({ hasText: words.withdrawn }).first().waitFor();
      await onLanyard(page, /^\/profile\/orcid$/);
      assert.match(await page.getByRole('status').first().innerText(), words.withdrawn);
      assert.equal(await page.locator('[data-access="held"]').count(), 0);
      await context.close();
    });
});
