import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { freePort } from '../support/listening-app.js';
import { linkIn } from '../support/mail-catcher.js';
import { addIdpUser, IDP_CLIENT } from '../support/oidc.js';
import { OidcIdp } from '../support/oidc-idp.js';
import { createPasswordAccount } from '../support/orcid.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const reason = chromiumSkipReason();
if (reason) console.log(`# browser tests skipped: ${reason}`);

/**
 * The OpenID Connect first-login pages clicked through in Chromium against a real IdP
 * (oidc-provider), in English and German, with axe on every Lanyard page.
 */
describe('Sign in with an OpenID Connect IdP in Chromium, EN and DE, with axe', { skip: reason || false }, () => {
  let app: TestApp;
  let url: string;
  let idp: OidcIdp;
  let chromium: Browser;

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    idp = await OidcIdp.start([{ ...IDP_CLIENT, redirect_uris: [`${url}/auth/uni/callback`] }]);
    const providers = [
      {
        id: 'uni',
        type: 'oidc',
        label: { en: 'University of Example', de: 'Universität Beispiel' },
        issuer: idp.issuer,
        clientId: IDP_CLIENT.client_id,
        clientSecret: IDP_CLIENT.client_secret,
      },
    ];
    app = await createTestApp('pglite', { LANYARD_PUBLIC_URL: url, LANYARD_PROVIDERS: JSON.stringify(providers) });
    await app.app.listen({ port, host: '127.0.0.1' });
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await app?.close();
    await idp?.close();
  });

  const onLanyard = async (page: Page, path: RegExp) => {
    await page.waitForURL((u) => u.origin === url && path.test(u.pathname));
    await assertAccessible(page);
  };

  /** From /login (in `lang`): the IdP's button → the IdP signs `sub` in → back on Lanyard at `landing`. */
  const idpSignIn = async (page: Page, sub: string, lang: 'en' | 'de', landing: RegExp) => {
    idp.nextLogin = sub;
    await page.goto(`${url}/login?lang=${lang}`);
    await assertAccessible(page);
    const label = lang === 'de' ? 'Mit Universität Beispiel anmelden' : 'Sign in with University of Example';
    await page.getByRole('link', { name: label }).click();
    await onLanyard(page, landing);
  };

  test('EN: no email released → email typed → link mailed → account created → signed in; the next sign-in lands directly', async () => {
    const sub = addIdpUser(idp, { given_name: 'Maria', family_name: 'Rossi' });
    const page = await (await chromium.newContext()).newPage();
    await idpSignIn(page, sub, 'en', /^\/external-login\//);
    const main = await page.locator('main').innerText();
    assert.match(main, /University of Example/);
    assert.match(main, new RegExp(sub));
    await page.getByLabel('Your email address', { exact: true }).fill('maria.rossi@oidc-walk.example');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await onLanyard(page, /^\/email-confirmation$/);

    await page.goto(linkIn(await app.mail.waitFor('maria.rossi@oidc-walk.example'), '/external-login/'));
    await assertAccessible(page);
    await page.getByRole('checkbox', { name: /I signed in with University of Example as .* myself/ }).check();
    await page.getByRole('button', { name: 'Create my account' }).click();
    await onLanyard(page, /^\/profile$/);
    const profile = await page.locator('main').innerText();
    assert.match(profile, /maria\.rossi@oidc-walk\.example/);
    assert.match(profile, /University of Example/);

    const second = await (await chromium.newContext()).newPage();
    await idpSignIn(second, sub, 'en', /^\/profile$/);
  });

  test('DE: typed email of an existing account → VALIDATION link → review → linked', async () => {
    await createPasswordAccount(app, 'otto@oidc-walk.example', { givenName: 'Otto', familyName: 'Owner' });
    const sub = addIdpUser(idp, { given_name: 'Otto', family_name: 'Eigner' });
    const page = await (await chromium.newContext()).newPage();
    await idpSignIn(page, sub, 'de', /^\/external-login\//);
    assert.match(await page.locator('main').innerText(), /Universität Beispiel/);
    await page.getByLabel('Ihre E-Mail-Adresse', { exact: true }).fill('otto@oidc-walk.example');
    await page.getByRole('button', { name: 'Link senden' }).click();
    await onLanyard(page, /^\/email-confirmation$/);
    await page.goto(
      linkIn(
        await app.mail.waitFor('otto@oidc-walk.example', (m) => m.text.includes('/review-account/')),
        '/review-account/',
      ),
    );
    await assertAccessible(page);
    assert.match(await page.locator('main').innerText(), /Von Universität Beispiel erhalten/);
    await page
      .getByRole('checkbox', { name: /Ich habe mich selbst bei Universität Beispiel als .* angemeldet/ })
      .check();
    await page.getByRole('button', { name: 'Universität Beispiel verknüpfen und speichern' }).click();
    await onLanyard(page, /^\/profile$/);
    const profile = await page.locator('main').innerText();
    assert.match(profile, /otto@oidc-walk\.example/);
    // The identity itself is named in the page's language, not only the notice above it.
    const identity = await page.locator('li[data-provider="uni"]').innerText();
    assert.match(identity, /^Universität Beispiel: /);
  });

  for (const lang of ['en', 'de'] as const)
    test(`${lang.toUpperCase()}: the person says no at the IdP → its own page naming it, with a way back`, async () => {
      const page = await (await chromium.newContext()).newPage();
      await page.goto(`${url}/login?lang=${lang}`);
      idp.nextLogin = addIdpUser(idp, {});
      idp.denyNext = true;
      await page
        .getByRole('link', {
          name: lang === 'de' ? 'Mit Universität Beispiel anmelden' : 'Sign in with University of Example',
        })
        .click();
      try {
        await onLanyard(page, /^\/auth\/uni\/callback$/);
      } finally {
        idp.denyNext = false;
      }
      const main = await page.locator('main').innerText();
      assert.match(main, lang === 'de' ? /Universität Beispiel/ : /University of Example/);
      assert.ok(await page.locator('main a[href="/login"]').count(), 'a way back');
    });
});
