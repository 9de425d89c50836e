import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { linkIn } from '../support/mail-catcher.js';
import { addOrcidUser, createPasswordAccount } from '../support/orcid.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

const reason = chromiumSkipReason();
if (reason) console.log(`# browser tests skipped: ${reason}`);

/** The first-login walks of issue 4, clicked through in Chromium with the ORCID emulator's own pages. */
describe('Sign in with ORCID in Chromium, with axe on every Lanyard page', { skip: reason || false }, () => {
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

  const onLanyard = async (page: Page, path: RegExp) => {
    await page.waitForURL((u) => u.origin === app.url && path.test(u.pathname));
    await assertAccessible(page);
  };

  /** From /login: "Sign in with ORCID" → the emulator's sign-in page → pick the user → back on Lanyard. */
  const orcidSignIn = async (page: Page, orcid: string, landing: RegExp) => {
    await page.goto(`${app.url}/login`);
    await assertAccessible(page);
    await page.getByRole('link', { name: /Sign in with ORCID/ }).click();
    await page.getByRole('button', { name: new RegExp(orcid) }).click();
    await onLanyard(page, landing);
  };

  test("the emulator's own pages (sign-in, Continue as, consent, record) are labelled as the emulator and axe clean", async () => {
    const orcid = addOrcidUser(app, {
      givenNames: 'Ena',
      familyName: 'Emu',
      emails: [{ email: 'ena@emulator-walk.example', visibility: 'public', verified: true }],
    });
    const page = await (await chromium.newContext()).newPage();
    await page.goto(`${app.url}/login`);
    await page.getByRole('link', { name: /Sign in with ORCID/ }).click();
    await page.waitForURL((u) => u.pathname.endsWith('/oauth/authorize'));
    const authorize = new URL(page.url());
    assert.match(await page.getByRole('banner').innerText(), /ORCID emulator/);
    assert.match(await page.locator('body').innerText(), /not the real ORCID/);
    await assertAccessible(page);
    await page.getByRole('button', { name: new RegExp(orcid) }).click();
    await onLanyard(page, /^\/external-login\//);

    // Signed in to the emulator, asked for a scope not yet granted: the consent page.
    authorize.searchParams.set('scope', '/authenticate');
    await page.goto(authorize.href);
    await page.getByRole('button', { name: 'Authorize access' }).waitFor();
    await assertAccessible(page);
    await page.getByText('Sign in as someone else').click();
    await assertAccessible(page);

    // The iD's public record page, where the iD links on Lanyard's pages lead.
    await page.goto(`${authorize.origin}${authorize.pathname.replace(/oauth\/authorize$/, '')}${orcid}`);
    await page.getByRole('heading', { name: 'Ena Emu' }).waitFor();
    await assertAccessible(page);
  });

  test('private email → email typed → link mailed → account created → signed in; the second ORCID sign-in lands directly', async () => {
    const orcid = addOrcidUser(app, {
      givenNames: 'Maria',
      familyName: 'Rossi',
      emails: [{ email: 'maria@private.example', visibility: 'private', verified: true }],
    });
    const page = await (await chromium.newContext()).newPage();
    await orcidSignIn(page, orcid, /^\/external-login\//);
    assert.match(await page.locator('main').innerText(), new RegExp(orcid));
    await page.getByLabel('Your email address', { exact: true }).fill('maria.rossi@walk.example');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await onLanyard(page, /^\/email-confirmation$/);

    await page.goto(linkIn(await app.mail.waitFor('maria.rossi@walk.example'), '/external-login/'));
    await assertAccessible(page);
    await page.getByRole('checkbox', { name: /I signed in with ORCID as .* myself/ }).check();
    await page.getByRole('button', { name: 'Create my account' }).click();
    await onLanyard(page, /^\/profile$/);
    const profile = await page.locator('main').innerText();
    assert.match(profile, /maria\.rossi@walk\.example/);
    assert.match(profile, new RegExp(`/${orcid}`));
    assert.equal(await page.getByRole('img', { name: 'ORCID iD' }).count(), 1, 'the iD icon beside the iD');

    const second = await (await chromium.newContext()).newPage();
    await orcidSignIn(second, orcid, /^\/profile$/);
  });

  test('ORCID email unknown → "sign in to link" with a password account → review → linked', async () => {
    await createPasswordAccount(app, 'walker@walk.example', { givenName: 'Wanda', familyName: 'Walker' });
    const orcid = addOrcidUser(app, {
      givenNames: 'Wanda',
      familyName: 'Walker-Smith',
      emails: [{ email: 'wanda@orcid-only.example', visibility: 'public', verified: true }],
    });
    const page = await (await chromium.newContext()).newPage();
    await orcidSignIn(page, orcid, /^\/external-login\//);
    await page.getByRole('link', { name: 'Sign in to link an existing account' }).click();
    await onLanyard(page, /^\/login$/);
    await page.getByLabel('Email address').fill('walker@walk.example');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await onLanyard(page, /^\/review-account\//);
    await page.getByRole('radio', { name: 'Received' }).first().check(); // take the family name from ORCID
    await page.getByRole('button', { name: 'Link my ORCID iD and save' }).click();
    await onLanyard(page, /^\/profile$/);
    const profile = await page.locator('main').innerText();
    assert.match(profile, /Wanda Walker-Smith/);
    assert.match(profile, /walker@walk\.example/);
    assert.match(profile, new RegExp(orcid));

    // Later, removing the iD needs a recent sign-in: sign in again, come back to the removal, confirm.
    app.clock.advance(app.config.reauthSeconds * 1000 + 1000);
    await page.getByRole('button', { name: /^Remove: ORCID/ }).click();
    await onLanyard(page, /^\/login$/);
    assert.match(await page.locator('main').innerText(), /sign in again/);
    await page.getByLabel('Email address').fill('walker@walk.example');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await onLanyard(page, /^\/profile\/identities\/[^/]+\/remove$/);
    await page.getByRole('button', { name: /^Remove ORCID/ }).click();
    await onLanyard(page, /^\/profile$/);
    const after = await page.locator('main').innerText();
    assert.doesNotMatch(after, new RegExp(orcid), 'the iD is gone from the account page');
  });

  test('typed email belongs to an existing account → VALIDATION link → review → linked', async () => {
    await createPasswordAccount(app, 'owner@walk.example', { givenName: 'Otto', familyName: 'Owner' });
    const orcid = addOrcidUser(app, { givenNames: 'Otto', familyName: 'Owner', emails: [] });
    const page = await (await chromium.newContext()).newPage();
    await orcidSignIn(page, orcid, /^\/external-login\//);
    await page.getByLabel('Your email address', { exact: true }).fill('owner@walk.example');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await onLanyard(page, /^\/email-confirmation$/);
    await page.goto(
      linkIn(
        await app.mail.waitFor('owner@walk.example', (m) => m.text.includes('/review-account/')),
        '/review-account/',
      ),
    );
    await assertAccessible(page);
    await page.getByRole('checkbox', { name: /I signed in with ORCID as .* myself/ }).check();
    await page.getByRole('button', { name: 'Link my ORCID iD and save' }).click();
    await onLanyard(page, /^\/profile$/);
    assert.match(await page.locator('main').innerText(), new RegExp(orcid));
    assert.match(await page.getByRole('status').innerText(), /now linked/);
  });
});
