import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { freePort } from '../support/listening-app.js';
import { createPasswordAccount } from '../support/orcid.js';
import { type SamlIdp, startSamlIdp } from '../support/saml-idp.js';
import { samlPeersMissing } from '../support/saml-peers.js';
import { addSamlUser, spKeys } from '../support/saml-sign-in.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const reason = chromiumSkipReason() || samlPeersMissing();
if (reason) console.log(`# SAML link walk skipped: ${reason}`);

/**
 * Linking an institution from the account page, in Chromium, to a real pysaml2 IdP on another
 * origin. The link is a form, and the page's CSP (`form-action 'self'`) applies to every redirect
 * after it: a 303 straight to the IdP was stopped by the browser (the scripted client never
 * noticed). Lanyard answers such a form with a page that moves on by itself.
 */
describe('linking a SAML IdP from the account page in Chromium', { skip: reason || false }, () => {
  let app: TestApp;
  let url: string;
  let idp: SamlIdp;
  let chromium: Browser;

  before(async () => {
    idp = await startSamlIdp({ displayName: 'University A', scopes: ['uni-a.example'] });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const providers = [
      {
        id: 'uni',
        type: 'saml',
        label: { en: 'University A', de: 'Universität A' },
        idpMetadataUrl: idp.metadataUrl,
        ...spKeys(),
      },
    ];
    app = await createTestApp('pglite', { LANYARD_PUBLIC_URL: url, LANYARD_PROVIDERS: JSON.stringify(providers) });
    await app.app.listen({ port, host: '127.0.0.1' });
    await idp.trustSp(await (await fetch(`${url}/auth/uni/metadata`)).text());
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await app?.close();
    await idp?.close();
  });

  for (const lang of ['en', 'de'] as const) {
    test(`${lang}: "Connect University A" reaches the IdP, and its answer links the identity`, async () => {
      const email = `link-walk-${lang}@uni-a.example`;
      const account = await createPasswordAccount(app, email);
      const person = `Linker ${lang.toUpperCase()}`;
      await addSamlUser(idp, { mail: [email] }, person);
      const context = await chromium.newContext({ locale: lang });
      const page = await context.newPage();
      const blocked: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/.test(m.text())) blocked.push(m.text());
      });
      try {
        await page.goto(`${url}/login`);
        await page.getByLabel(lang === 'en' ? 'Email address' : 'E-Mail-Adresse', { exact: true }).fill(email);
        await page.getByLabel(lang === 'en' ? 'Password' : 'Passwort', { exact: true }).fill('correct horse battery');
        await Promise.all([
          page.waitForURL(`${url}/profile`),
          page.getByRole('button', { name: lang === 'en' ? 'Sign in' : 'Anmelden', exact: true }).click(),
        ]);
        const connect = lang === 'en' ? 'Connect University A' : /Universität A/;
        await page.getByRole('button', { name: connect }).click();
        // The IdP's own sign-in page, on its origin: the browser got there.
        await page.getByRole('heading', { name: 'University A' }).waitFor();
        assert.equal(new URL(page.url()).origin, new URL(idp.metadataUrl).origin);
        await page.getByLabel(person).check();
        await Promise.all([page.waitForURL(`${url}/profile`), page.getByRole('button', { name: 'Sign in' }).click()]);
        const linked = await app.lanyard.db
          .selectFrom('identity')
          .select('account_id')
          .where('provider', '=', 'uni')
          .where('account_id', '=', account.id)
          .execute();
        assert.equal(linked.length, 1, 'the identity is linked to the signed-in account');
        assert.deepEqual(blocked, [], 'no navigation was stopped by the CSP');
      } finally {
        await context.close();
      }
    });
  }
});
