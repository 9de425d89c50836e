import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { linkIn } from '../support/mail-catcher.js';
import { addOrcidUser, createPasswordAccount } from '../support/orcid.js';
import { type TestApp, withOrcid } from '../support/test-app.js';
import { startUiPage, type UiPageServer } from './support/dspace-ui-page.js';

const reason = chromiumSkipReason();
if (reason) console.log(`# browser tests skipped: ${reason}`);

/** The page's `window.dspace` (test/browser/support/dspace-ui-page.ts), as seen from the test. */
type Ui = Record<string, (...args: any[]) => Promise<any>>;
const ui = (page: Page, method: string, ...args: unknown[]) =>
  page.evaluate(([m, a]) => (globalThis as unknown as { dspace: Ui }).dspace[m as string]!(...(a as unknown[])), [
    method,
    args,
  ] as const);

/**
 * DSpace's UI flows in Chromium: a page on its own origin makes the UI's REST calls with the
 * browser's fetch(), cookies and CORS — nothing in between — while the ORCID emulator's own pages
 * sign the person in. Proves that a real browser accepts Lanyard's CORS, cookies and headers.
 */
describe('DSpace UI calls from another origin in Chromium', { skip: reason || false }, () => {
  let app: TestApp & { url: string };
  let uiPage: UiPageServer;
  let chromium: Browser;

  before(async () => {
    uiPage = await startUiPage();
    app = await createListeningTestApp('pglite', { ...withOrcid, LANYARD_UI_URL: uiPage.origin });
    uiPage.api = `${app.url}/api`;
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await app?.close();
    await uiPage?.close();
  });

  const open = async (page: Page, path: string) => {
    await page.goto(`${uiPage.origin}${path}`);
    await ui(page, 'start');
  };

  /** The UI's ORCID button: ORCID's pages (pick the user unless ORCID remembers them), back on the UI. */
  const signInWithOrcid = async (page: Page, route: string, orcid: string): Promise<URL> => {
    await page.goto(await ui(page, 'orcidLocation', route));
    const backOnUi = (u: URL) => u.origin === uiPage.origin;
    if (!backOnUi(new URL(page.url()))) {
      const pick = page.getByRole('button', { name: new RegExp(orcid) });
      await Promise.race([page.waitForURL(backOnUi), pick.waitFor()]);
      if (!backOnUi(new URL(page.url()))) await pick.click();
      await page.waitForURL(backOnUi);
    }
    await ui(page, 'start');
    return new URL(page.url());
  };

  test('password sign-in, token, refresh and logout through the browser’s own CORS', async () => {
    await createPasswordAccount(app, 'pat@ui-browser.example');
    const page = await (await chromium.newContext()).newPage();
    await open(page, '/login');
    assert.equal(await ui(page, 'authenticate', 'pat@ui-browser.example', 'correct horse battery'), 200);
    assert.equal((await ui(page, 'authenticatedUser')).email, 'pat@ui-browser.example');
    assert.equal(await ui(page, 'refreshAuthenticationToken'), 200);
    assert.equal(await ui(page, 'logout'), 204);
    assert.equal((await ui(page, 'status')).json.authenticated, false);
  });

  test('ORCID private email → provide email → mailed UI link → create → ORCID again → signed in on the UI', async () => {
    const orcid = addOrcidUser(app, {
      givenNames: 'Maria',
      familyName: 'Rossi',
      emails: [{ email: 'maria@hidden.example', visibility: 'private', verified: true }],
    });
    const page = await (await chromium.newContext()).newPage();
    await open(page, '/home');
    const landed = await signInWithOrcid(page, '/reload/1', orcid);
    assert.match(landed.pathname, /^\/external-login\/[A-Za-z0-9_-]{43}$/);
    const token = landed.pathname.split('/').pop()!;
    const reg = await ui(page, 'findByToken', token);
    assert.deepEqual([reg.registrationType, reg.email], ['ORCID', null]);
    assert.equal(await ui(page, 'patchUpdateRegistration', ['maria@ui-browser.example'], reg.id, token, 'add'), 204);

    const link = linkIn(await app.mail.waitFor('maria@ui-browser.example'), `${uiPage.origin}/external-login/`);
    await open(page, new URL(link).pathname);
    const mailed = new URL(link).pathname.split('/').pop()!;
    const fresh = await ui(page, 'findByToken', mailed);
    assert.equal(await ui(page, 'createEPersonForToken', fresh, mailed), 201);

    const back = await signInWithOrcid(page, '/profile', orcid);
    assert.equal(back.pathname, '/profile');
    assert.equal((await ui(page, 'status')).json.authenticated, true);
    assert.equal(await ui(page, 'refreshAuthenticationToken'), 200);
    const me = await ui(page, 'authenticatedUser');
    assert.deepEqual([me.email, me.netid], ['maria@ui-browser.example', orcid]);
  });

  test('the typed address has an account → mailed /review-account → two overrides, one fetch each → linked', async () => {
    const account = await createPasswordAccount(app, 'jane@ui-browser.example', { givenName: 'J.', familyName: 'D.' });
    const orcid = addOrcidUser(app, {
      givenNames: 'Jane',
      familyName: 'Doe',
      emails: [{ email: 'jane@hidden.example', visibility: 'private', verified: true }],
    });
    const page = await (await chromium.newContext()).newPage();
    await open(page, '/home');
    const token = (await signInWithOrcid(page, '/reload/2', orcid)).pathname.split('/').pop()!;
    const reg = await ui(page, 'findByToken', token);
    assert.equal(await ui(page, 'patchUpdateRegistration', ['jane@ui-browser.example'], reg.id, token, 'add'), 204);

    const link = linkIn(await app.mail.waitFor('jane@ui-browser.example'), `${uiPage.origin}/review-account/`);
    await open(page, new URL(link).pathname);
    const mailed = new URL(link).pathname.split('/').pop()!;
    const review = await ui(page, 'findByToken', mailed);
    assert.deepEqual([review.registrationType, review.user], ['VALIDATION_ORCID', account.id]);
    assert.deepEqual(
      await ui(page, 'mergeEPersonDataWithToken', review.user, mailed, ['eperson.firstname', 'eperson.lastname']),
      [201, 201],
    );
    await signInWithOrcid(page, '/profile', orcid);
    assert.equal(await ui(page, 'refreshAuthenticationToken'), 200);
    const me = await ui(page, 'authenticatedUser');
    assert.deepEqual(
      [me.id, me.netid, me.metadata['eperson.firstname'][0].value, me.metadata['eperson.lastname'][0].value],
      [account.id, orcid, 'Jane', 'Doe'],
    );
  });
});
