import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addOidcClient } from '../../src/stores/oidc-clients.js';
import { assertAccessible, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { createListeningTestApp } from '../support/listening-app.js';
import { linkIn } from '../support/mail-catcher.js';
import { addOrcidUser } from '../support/orcid.js';
import { type TestApp, withOrcid } from '../support/test-app.js';

const reason = chromiumSkipReason();
if (reason) console.log(`# browser tests skipped: ${reason}`);

/**
 * A researcher new to Lanyard starts at a repository's "Sign in" (an authorization request to
 * Lanyard's OpenID provider), goes through ORCID's first login with a private email, the typed
 * address and the mailed link, and lands back at the repository with a code that gives the
 * repository a verified email and the authenticated iD. Clicked in Chromium with axe on every page.
 */
describe('First login inside an OpenID authorization, in Chromium', { skip: reason || false }, () => {
  let app: TestApp & { url: string };
  let chromium: Browser;
  /** The repository's callback: a page of its own; the test redeems the code as the repository would. */
  let repositoryServer: Server;
  let REDIRECT: string;

  before(async () => {
    app = await createListeningTestApp('pglite', withOrcid);
    chromium = await launchChromium();
    repositoryServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Repository</title><p>Signed in');
    });
    await new Promise<void>((resolve) => repositoryServer.listen(0, '127.0.0.1', resolve));
    REDIRECT = `http://127.0.0.1:${(repositoryServer.address() as AddressInfo).port}/callback`;
  });
  after(async () => {
    await chromium?.close();
    await app?.close();
    repositoryServer?.close();
  });

  const newBrowser = (): Promise<BrowserContext> => chromium.newContext();

  const repository = async (opts: { firstParty?: boolean } = {}) => {
    const { client, secret } = await addOidcClient(
      app.lanyard.db,
      {
        name: 'Walk repository',
        redirectUris: [REDIRECT],
        postLogoutRedirectUris: [REDIRECT.replace('/callback', '/signed-out')],
        auth: 'client_secret_basic',
        ...opts,
      },
      new Date(),
    );
    const config = await oidc.discovery(
      new URL(`${app.url}/oidc`),
      client.client_id,
      undefined,
      oidc.ClientSecretBasic(secret!),
      { execute: [oidc.allowInsecureRequests] },
    );
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    /** The repository's side of the callback: code → tokens → userinfo. */
    const finish = async (callback: string) => {
      const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      const sub = tokens.claims()!.sub;
      return {
        idToken: tokens.claims()!,
        info: await oidc.fetchUserInfo(config, tokens.access_token, sub),
        raw: tokens.id_token!,
      };
    };
    const logoutUrl = (idToken: string) =>
      oidc.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: REDIRECT.replace('/callback', '/signed-out'),
      });
    return { url, finish, logoutUrl };
  };

  const onLanyard = async (page: Page, path: RegExp) => {
    await page.waitForURL((u) => u.origin === app.url && path.test(u.pathname));
    await assertAccessible(page);
  };

  const atRepository = async (page: Page): Promise<string> => {
    await page.waitForURL((u) => u.href.startsWith(REDIRECT));
    return page.url();
  };

  /** From the repository's "Sign in" to Lanyard's page asking for an email (ORCID keeps it private). */
  const startAtRepository = async (page: Page, url: URL, orcid: string) => {
    await page.goto(url.href);
    await onLanyard(page, /^\/login$/);
    // The sign-in page says which repository it is for, as the repository's registration names it.
    assert.equal(
      (await page.locator('main p.for-client').innerText()).trim(),
      'Sign in to continue to Walk repository.',
    );
    await page.getByRole('link', { name: /Sign in with ORCID/ }).click();
    await page.getByRole('button', { name: new RegExp(orcid) }).click();
    await onLanyard(page, /^\/external-login\//);
    // So does the first sign-in's decision page, from the registration's stored return-to.
    assert.equal(
      (await page.locator('main p.for-client').innerText()).trim(),
      'Complete this step to continue to Walk repository.',
    );
  };

  const sendLink = async (page: Page, email: string) => {
    await page.getByLabel('Your email address', { exact: true }).fill(email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await onLanyard(page, /^\/email-confirmation$/);
    return linkIn(await app.mail.waitFor(email), '/external-login/');
  };

  test('private ORCID email → email typed → mailed link opened in a new tab → account created → back at the repository with a code', async () => {
    const orcid = addOrcidUser(app, {
      givenNames: 'Inès',
      familyName: 'Moreau',
      emails: [{ email: 'ines@private.example', visibility: 'private', verified: true }],
    });
    const rp = await repository();
    const context = await newBrowser();
    const page = await context.newPage();
    await startAtRepository(page, rp.url, orcid);
    const link = await sendLink(page, 'ines.moreau@walk.example');

    // The researcher opens the mail in another tab of the same browser.
    const tab = await context.newPage();
    await tab.goto(link);
    await assertAccessible(tab);
    await tab.getByRole('checkbox', { name: /I signed in with ORCID as .* myself/ }).check();
    await tab.getByRole('button', { name: 'Create my account' }).click();
    // Straight after Lanyard's form, a page that moves on by itself (the form's CSP stops a redirect
    // to the repository's origin); it is a Lanyard page too.
    const callback = await atRepository(tab);
    assert.equal(new URL(callback).searchParams.get('error'), null, callback);

    const { idToken, info } = await rp.finish(callback);
    assert.deepEqual(idToken.amr, ['orcid']);
    assert.equal(info.email, 'ines.moreau@walk.example');
    assert.equal(info.email_verified, true);
    assert.equal(info.orcid, `${app.orcid!.siteUrl}/${orcid}`);
    assert.equal(info.given_name, 'Inès');
    await context.close();
  });

  test('the mailed link opened in another browser: ORCID sign-in there first, account created, and the same authorization request starts afresh and completes', async () => {
    const orcid = addOrcidUser(app, {
      givenNames: 'Jonas',
      familyName: 'Berg',
      emails: [{ email: 'jonas@private.example', visibility: 'private', verified: true }],
    });
    const rp = await repository();
    const first = await newBrowser();
    const page = await first.newPage();
    await startAtRepository(page, rp.url, orcid);
    const link = await sendLink(page, 'jonas.berg@walk.example');
    await first.close();

    // The phone: no Lanyard cookies, no interaction cookie.
    const other = await newBrowser();
    const phone = await other.newPage();
    await phone.goto(link);
    // The mailbox alone is not the iD: the phone signs in with ORCID first (docs/security.md).
    await phone.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await assertAccessible(phone);
    await phone.getByRole('button', { name: 'Sign in with ORCID to continue' }).click();
    await phone.getByRole('button', { name: new RegExp(orcid) }).click();
    await onLanyard(phone, /^\/external-login\//);
    assert.match(await phone.getByRole('status').innerText(), /this link was sent for/i);
    await assertAccessible(phone);
    await phone.getByRole('checkbox', { name: /I signed in with ORCID as .* myself/ }).check();
    await phone.getByRole('button', { name: 'Create my account' }).click();
    const callback = await atRepository(phone);
    const { info } = await rp.finish(callback);
    assert.equal(info.email, 'jonas.berg@walk.example');
    assert.equal(info.orcid, `${app.orcid!.siteUrl}/${orcid}`);
    await other.close();
  });

  test('consent page (a client registered with --consent) and the sign-out pages, with axe, in German', async () => {
    const orcid = addOrcidUser(app, {
      givenNames: 'Klara',
      familyName: 'Vogel',
      emails: [{ email: 'klara@public.example', visibility: 'public', verified: true }],
    });
    const rp = await repository({ firstParty: false });
    const context = await chromium.newContext({ locale: 'de-DE' });
    const page = await context.newPage();
    await page.goto(rp.url.href);
    await onLanyard(page, /^\/login$/);
    await page.getByRole('link', { name: /ORCID/ }).click();
    await page.getByRole('button', { name: new RegExp(orcid) }).click();
    // ORCID released a verified email no account has: create the account on Lanyard's page.
    await onLanyard(page, /^\/external-login\//);
    await page.getByRole('button', { name: 'Mein Konto anlegen' }).click();
    // First the page that moves on by itself (after Lanyard's form), then the consent page: wait
    // for the latter before axe runs, or axe would race the automatic navigation.
    await page.getByRole('heading', { name: /Walk repository erlauben/ }).waitFor();
    await onLanyard(page, /^\/interaction\//);
    // "Nicht Sie?": signed out, the sign-in for the same request; signing in again comes back here.
    await page.getByRole('button', { name: 'Nicht Sie? Anderes Konto verwenden' }).click();
    await onLanyard(page, /^\/login$/);
    assert.match(await page.locator('main p.for-client').innerText(), /Walk repository/);
    await page.getByRole('link', { name: /ORCID/ }).click();
    // ORCID (the emulator) may still know the browser and skip its picker.
    const pick = page.getByRole('button', { name: new RegExp(orcid) });
    const consent = page.getByRole('heading', { name: /Walk repository erlauben/ });
    await pick.or(consent).first().waitFor();
    if (await pick.isVisible()) await pick.click();
    await consent.waitFor();
    await onLanyard(page, /^\/interaction\//);
    await page.getByRole('button', { name: 'Erlauben' }).click();
    const callback = await atRepository(page);
    const { raw, info } = await rp.finish(callback);
    assert.equal(info.email, 'klara@public.example');

    await page.goto(rp.logoutUrl(raw).href);
    await onLanyard(page, /^\/oidc\/session\/end$/);
    await page.getByRole('button', { name: 'Bei Lanyard abmelden' }).click();
    await page.waitForURL((u) => u.pathname === '/signed-out');
    await page.goto(`${app.url}/profile`);
    await onLanyard(page, /^\/login$/);
    await context.close();
  });
});
