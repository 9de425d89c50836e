import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { signWithXmlsec1, writeAggregate } from '../support/federation.js';
import { freePort } from '../support/listening-app.js';
import { type SamlIdp, startSamlIdp, testKeys } from '../support/saml-idp.js';
import { samlPeersMissing } from '../support/saml-peers.js';
import { spKeys } from '../support/saml-sign-in.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const reason = chromiumSkipReason() || samlPeersMissing();
if (reason) console.log(`# SAML discovery walk skipped: ${reason}`);

const FEDERATION = testKeys(0);

/**
 * The discovery page of a federation entry in Chromium, in English and German, with axe on every
 * state of it: type-ahead with JavaScript, the plain form without, keyboard only, and the
 * institution remembered on this device. The federation: 40 generated IdPs and a real pysaml2 IdP.
 */
describe(
  'Choosing an institution on the discovery page in Chromium, EN and DE, with axe',
  { skip: reason || false },
  () => {
    let app: TestApp;
    let url: string;
    let idp: SamlIdp;
    let chromium: Browser;
    let dir: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lanyard-discovery-walk-'));
      idp = await startSamlIdp({ displayName: 'University A', scopes: ['uni-a.example'] });
      const entities = [await (await fetch(idp.metadataUrl)).text()];
      await writeAggregate(join(dir, 'unsigned.xml'), { idps: 40, entities, id: '_walk' });
      await signWithXmlsec1(join(dir, 'unsigned.xml'), join(dir, 'aggregate.xml'), FEDERATION);
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const providers = [
        {
          id: 'fed',
          type: 'saml',
          label: { en: 'Example Federation', de: 'Beispiel-Föderation' },
          federationMetadataFile: join(dir, 'aggregate.xml'),
          federationCert: FEDERATION.certificate,
          ...spKeys(),
        },
      ];
      app = await createTestApp('pglite', { LANYARD_PUBLIC_URL: url, LANYARD_PROVIDERS: JSON.stringify(providers) });
      await app.app.listen({ port, host: '127.0.0.1' });
      await idp.trustSp(await (await fetch(`${url}/auth/fed/metadata`)).text());
      chromium = await launchChromium();
    });
    after(async () => {
      await chromium?.close();
      await app?.close();
      await idp?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const text = {
      en: {
        button: 'Sign in with Example Federation',
        search: 'Your institution',
        submit: 'Search',
        recent: 'Used before on this device',
        one: 'One institution matches “uni-a.example”.',
        many: /^\d+ institutions match “Kraków”\.$/,
      },
      de: {
        button: 'Mit Beispiel-Föderation anmelden',
        search: 'Ihre Einrichtung',
        submit: 'Suchen',
        recent: 'Auf diesem Gerät bereits verwendet',
        one: 'Eine Einrichtung passt zu „uni-a.example“.',
        many: /^\d+ Einrichtungen passen zu „Kraków“\.$/,
      },
    } as const;

    /** Pages of a context without JavaScript, by language: axe cannot run in them. */
    const noScript = new Map<Page, 'en' | 'de'>();
    /**
     * axe on the page as it is; without JavaScript, on the same address opened in a page that runs
     * scripts (the server renders the same document for both).
     */
    const accessible = async (page: Page) => {
      const lang = noScript.get(page);
      if (!lang) return assertAccessible(page);
      const checker = await chromium.newContext({ locale: lang });
      try {
        const other = await checker.newPage();
        await other.goto(page.url());
        await assertAccessible(other);
      } finally {
        await checker.close();
      }
    };

    /** /login in `lang` → the federation's button → its discovery page (checked with axe). */
    const discovery = async (page: Page, lang: 'en' | 'de') => {
      await page.goto(`${url}/login?lang=${lang}`);
      await page.getByRole('link', { name: text[lang].button }).click();
      await page.waitForURL((u) => u.pathname === '/auth/fed/discovery');
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      await accessible(page);
    };
    const status = (page: Page) => page.locator('#idp-status');
    const results = (page: Page) => page.locator('#idp-results a.idp');
    const atIdp = (page: Page) => page.waitForURL((u) => u.href.startsWith(`${idp.baseUrl}/sso/redirect?`));

    for (const lang of ['en', 'de'] as const) {
      test(`${lang.toUpperCase()} with JavaScript, keyboard only: type to search, Tab to the institution, Enter; it is remembered`, async () => {
        const context = await chromium.newContext({ locale: lang });
        const page = await context.newPage();
        await discovery(page, lang);
        const box = page.getByRole('searchbox', { name: text[lang].search });
        await box.focus();
        // Each keystroke asks the server; the list and the live region follow without a reload.
        await page.keyboard.type('Kraków', { delay: 20 });
        await page.locator('#idp-status', { hasText: 'Kraków' }).waitFor();
        assert.match((await status(page).innerText()).trim(), text[lang].many);
        assert.equal(new URL(page.url()).searchParams.get('q'), null, 'no page load: the type-ahead answered');
        assert.ok((await results(page).count()) >= 2);
        await accessible(page);
        await box.fill('');
        await page.keyboard.type('uni-a.example', { delay: 20 });
        await page.locator('#idp-status', { hasText: text[lang].one }).waitFor();
        assert.deepEqual(await results(page).allTextContents(), ['University A 127.0.0.1']);
        await accessible(page);
        // Tab from the search box: the Search button, then the institution.
        let focused = '';
        for (let i = 0; i < 4 && !focused.startsWith('University A'); i++) {
          await page.keyboard.press('Tab');
          focused = await page.locator(':focus').innerText();
        }
        assert.match(focused, /^University A/);
        await page.keyboard.press('Enter');
        await atIdp(page);

        // Back on this device: the institution is offered first, above the search.
        await discovery(page, lang);
        const recent = page.getByRole('region', { name: text[lang].recent });
        assert.deepEqual(await recent.locator('a.idp').allTextContents(), ['University A 127.0.0.1']);
        await recent.getByRole('link', { name: /University A/ }).click();
        await atIdp(page);
        await context.close();
      });

      test(`${lang.toUpperCase()} without JavaScript: the search is a form the server answers`, async () => {
        const context = await chromium.newContext({ locale: lang, javaScriptEnabled: false });
        const page = await context.newPage();
        noScript.set(page, lang);
        await discovery(page, lang);
        const box = page.getByRole('searchbox', { name: text[lang].search });
        await box.fill('Kraków');
        await box.press('Enter');
        await page.waitForURL((u) => u.searchParams.get('q') === 'Kraków');
        assert.match((await status(page).innerText()).trim(), text[lang].many);
        assert.ok((await results(page).count()) >= 2);
        await accessible(page);
        await page.getByRole('searchbox', { name: text[lang].search }).fill('uni-a.example');
        await page.getByRole('button', { name: text[lang].submit }).click();
        await page.waitForURL((u) => u.searchParams.get('q') === 'uni-a.example');
        assert.equal((await status(page).innerText()).trim(), text[lang].one);
        await accessible(page);
        await results(page).first().click();
        await atIdp(page);
        await context.close();
      });
    }
  },
);
