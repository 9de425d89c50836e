import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { uniqueEmail } from '../support/accounts.js';
import { assertAccessible, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { linkIn } from '../support/mail-catcher.js';
import type { TestApp } from '../support/test-app.js';

const PASSWORD = 'a long and private passphrase';

const reason = chromiumSkipReason();
if (reason) console.log(`# browser tests skipped: ${reason}`);

describe('in Chromium, with axe on every page', { skip: reason || false }, () => {
  let app: TestApp & { url: string };
  let chromium: Browser;
  let page: Page;

  before(async () => {
    app = await createListeningTestApp('pglite');
    chromium = await launchChromium();
    page = await chromium.newPage();
  });
  after(async () => {
    await chromium?.close();
    await app?.close();
  });

  /** Clicks the button named `name` and waits for the page the form leads to. */
  const submit = async (name: string, path: string) => {
    await Promise.all([page.waitForURL(`${app.url}${path}`), page.getByRole('button', { name, exact: true }).click()]);
    await assertAccessible(page);
  };

  test('register → mail → link → names and password → sign out → sign in', async () => {
    const email = uniqueEmail('chromium');
    await page.goto(`${app.url}/register`);
    await assertAccessible(page);
    await page.getByLabel('Email address').fill(email);
    await submit('Send the link', '/email-confirmation');
    assert.match(await page.getByRole('status').innerText(), /we have sent it an email/);

    await page.goto(linkIn(await app.mail.waitFor(email), '/register/'));
    await assertAccessible(page);
    await page.getByLabel('Given name').fill('Ada');
    await page.getByLabel('Family name').fill('Lovelace');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await submit('Create my account', '/profile');
    assert.match(await page.locator('main').innerText(), /Ada Lovelace/);

    await submit('Sign out', '/login');
    await page.goto(`${app.url}/profile`);
    assert.match(page.url(), /\/login\?returnTo=/);

    await page.getByLabel('Email address').fill(email.toUpperCase());
    await page.getByLabel('Password').fill(PASSWORD);
    await submit('Sign in', '/profile');
    assert.match(await page.locator('main').innerText(), new RegExp(email.replace(/[.]/g, '\\.')));
  });
});
