import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { assertAccessible, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { linkIn } from '../support/mail-catcher.js';
import { addOrcidUser } from '../support/orcid.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

const reason = chromiumSkipReason();
if (reason) console.log(`# browser tests skipped: ${reason}`);

/**
 * Presses Tab until `target` has the focus (never more than `max` times) and checks that the
 * focused element shows it: an outline or a ring a sighted keyboard user can follow.
 */
async function tabTo(page: Page, target: Locator, what: string, max = 60): Promise<void> {
  const focused = () => target.evaluate((el) => el === el.ownerDocument.activeElement).catch(() => false);
  for (let i = 0; i < max && !(await focused()); i++) await page.keyboard.press('Tab');
  assert.ok(await focused(), `${what} was never reached with Tab`);
  const ring = await target.evaluate((el) => {
    const style = el.ownerDocument.defaultView!.getComputedStyle(el);
    return { outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0, shadow: style.boxShadow };
  });
  assert.ok(ring.outline || ring.shadow !== 'none', `${what} has the focus but shows no focus ring`);
}

/**
 * The README's first case without a mouse: a researcher whose ORCID email is private signs in with
 * ORCID, types an address, opens the mailed link and creates the account — Tab, Enter and Space
 * only, on Lanyard's pages and the emulator's, in both languages.
 */
describe('keyboard only, in Chromium', { skip: reason || false }, () => {
  let app: TestApp & { url: string };
  let chromium: Browser;

  before(async () => {
    app = await createListeningTestApp('pglite', withOrcid);
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await app?.close();
  });

  for (const lang of ['en', 'de'] as const)
    test(`${lang.toUpperCase()}: skip link → Sign in with ORCID → emulator → typed email → mailed link → account`, async () => {
      const w =
        lang === 'de'
          ? {
              skip: 'Zum Inhalt springen',
              orcid: /Mit ORCID anmelden/,
              email: 'Ihre E-Mail-Adresse',
              send: 'Link senden',
              confirm: /Ich habe mich selbst bei ORCID als .* angemeldet/,
              create: 'Mein Konto anlegen',
            }
          : {
              skip: 'Skip to content',
              orcid: /Sign in with ORCID/,
              email: 'Your email address',
              send: 'Send the link',
              confirm: /I signed in with ORCID as .* myself/,
              create: 'Create my account',
            };
      const address = `keys-${lang}@walk.example`;
      const orcid = addOrcidUser(app, {
        givenNames: 'Kim',
        familyName: 'Keyes',
        emails: [{ email: `kim-${lang}@private.example`, visibility: 'private', verified: true }],
      });
      const page = await (await chromium.newContext()).newPage();
      await page.goto(`${app.url}/login?lang=${lang}`);

      // The first Tab reaches the skip link; following it puts the focus in the main content.
      await page.keyboard.press('Tab');
      const skip = page.getByRole('link', { name: w.skip });
      assert.ok(
        await skip.evaluate((el) => el === el.ownerDocument.activeElement),
        'the first Tab is not the skip link',
      );
      await page.keyboard.press('Enter');
      assert.ok(
        await page.locator('main').evaluate((el) => el === el.ownerDocument.activeElement),
        'the skip link did not move the focus to the main content',
      );

      await tabTo(page, page.getByRole('link', { name: w.orcid }), 'Sign in with ORCID');
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.pathname.includes('/oauth/authorize'));
      await tabTo(page, page.getByRole('button', { name: new RegExp(orcid) }), 'the emulator user');
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.origin === app.url && u.pathname.startsWith('/external-login/'));
      await assertAccessible(page);

      await tabTo(page, page.getByLabel(w.email, { exact: true }), 'the email field');
      await page.keyboard.type(address);
      await tabTo(page, page.getByRole('button', { name: w.send }), 'Send the link');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${app.url}/email-confirmation`);
      await assertAccessible(page);

      await page.goto(linkIn(await app.mail.waitFor(address), '/external-login/'));
      await tabTo(page, page.getByRole('checkbox', { name: w.confirm }), 'the confirmation checkbox');
      await page.keyboard.press('Space');
      await tabTo(page, page.getByRole('button', { name: w.create }), 'Create my account');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${app.url}/profile`);
      await assertAccessible(page);
      assert.match(await page.locator('main').innerText(), new RegExp(address.replace('.', '\\.')));
    });
});
