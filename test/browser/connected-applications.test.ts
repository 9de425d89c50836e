import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, uniqueEmail } from '../support/accounts.js';
import { assertAccessible, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { authorizationRequest, registerRelyingParty } from '../support/op-client.js';
import { createPasswordAccount } from '../support/orcid.js';
import type { TestApp } from '../support/test-app.js';

const reason = chromiumSkipReason();
if (reason) console.log(`# browser tests skipped: ${reason}`);

/**
 * A person allows a repository to sign them in, then withdraws that on /profile ("Connected
 * applications"), clicked in Chromium with axe, in English and German; the page it returns to
 * confirms the withdrawal. (The withdrawal is a plain form post: test/openid-provider/consent-withdrawal.test.ts
 * sends it without any script.)
 */
describe('Connected applications on /profile, in Chromium', { skip: reason || false }, () => {
  let app: TestApp & { url: string };
  let chromium: Browser;
  let repositoryServer: Server;
  let redirect: string;

  before(async () => {
    app = await createListeningTestApp('pglite');
    chromium = await launchChromium();
    repositoryServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Repository</title><p>Signed in');
    });
    await new Promise<void>((resolve) => repositoryServer.listen(0, '127.0.0.1', resolve));
    redirect = `http://127.0.0.1:${(repositoryServer.address() as AddressInfo).port}/callback`;
  });
  after(async () => {
    await chromium?.close();
    await app?.close();
    repositoryServer?.close();
  });

  const onLanyard = async (page: Page, path: RegExp) => {
    await page.waitForURL((u) => u.origin === app.url && path.test(u.pathname));
    await assertAccessible(page);
  };

  for (const lang of [
    {
      locale: 'en-GB',
      email: 'Email address',
      password: 'Password',
      signIn: 'Sign in',
      allow: 'Allow',
      heading: 'Connected applications',
      revoke: 'Withdraw access',
      done: /can no longer sign you in/,
    },
    {
      locale: 'de-DE',
      email: 'E-Mail-Adresse',
      password: 'Passwort',
      signIn: 'Anmelden',
      allow: 'Erlauben',
      heading: 'Verbundene Anwendungen',
      revoke: 'Zugriff entziehen',
      done: /kann Sie nicht mehr anmelden/,
    },
  ]) {
    test(`${lang.locale}: allow at the consent page, then withdraw on /profile; the confirmation is on the page it returns to`, async () => {
      const account = await createPasswordAccount(app, uniqueEmail('apps-walk'));
      const name = `Walk repository ${lang.locale}`;
      const rp = await registerRelyingParty(app, { name, redirect, firstParty: false });
      const context = await chromium.newContext({ locale: lang.locale });
      const page = await context.newPage();
      await page.goto((await authorizationRequest(rp)).url.href);
      await onLanyard(page, /^\/login$/);
      await page.getByLabel(lang.email).fill(account.email);
      await page.getByLabel(lang.password, { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: lang.signIn, exact: true }).click();
      await page.getByRole('button', { name: lang.allow }).waitFor();
      await onLanyard(page, /^\/interaction\//);
      await page.getByRole('button', { name: lang.allow }).click();
      await page.waitForURL((u) => u.href.startsWith(redirect));

      await page.goto(`${app.url}/profile`);
      await onLanyard(page, /^\/profile$/);
      await page.getByRole('heading', { name: lang.heading }).waitFor();
      const item = page.locator('li', { hasText: name });
      assert.equal(await item.count(), 1);
      await item.getByRole('button', { name: lang.revoke }).click();
      await onLanyard(page, /^\/profile$/);
      assert.match(await page.getByRole('status').innerText(), lang.done);
      assert.equal(await page.locator('li', { hasText: name }).count(), 0, 'no longer listed');
      await context.close();
    });
  }
});
