// The README's demo walked in Debian's Chromium, one browser context per language, with a
// screenshot of every page: `npm run screenshots` writes them to docs/screenshots/, and
// test/browser/visual.test.ts walks the same tour and compares its pictures with the committed ones.
// Fixed viewport, no animations; the parts that change from run to run (times, mail bodies) are masked,
// every time given one fixed text first so that its mask is as wide on any day.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { chromium, type Locator, type Page } from 'playwright-core';
import type { Lanyard } from '../src/lanyard.js';
import { DEMO_PASSWORD } from '../src/providers/orcid/demo-accounts.js';
import { loadConfig } from '../src/config/load.js';
import { generateKeyPair } from '../src/providers/saml/certificate.js';
import { createServer } from '../src/server.js';
import { createAccount, updateAccount } from '../src/stores/accounts.js';
import { setPasswordHash } from '../src/stores/identities.js';
import { addOidcClient } from '../src/stores/oidc-clients.js';
import { signWithXmlsec1, writeAggregate } from '../test/support/federation.js';

/** Resolves once nothing listens on `port` (checked by binding it for a moment); gives up after 15 minutes. */
async function portFree(port: number): Promise<void> {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createNetServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return;
    if (Date.now() > deadline) throw new Error(`port ${port} stayed busy for 15 minutes`);
    await sleep(500);
  }
}

export const VIEWPORT = { width: 1024, height: 800 };
export const LANGUAGES = ['en', 'de'] as const;

/** Every page of a walk through the README's cases, each captured under its name. */
export async function tour(page: Page, base: string, lang: 'en' | 'de', shot: (name: string) => Promise<void>) {
  const t = (en: string, de: string) => (lang === 'en' ? en : de);
  const signOut = async () => {
    const button = page.getByRole('button', { name: t('Sign out', 'Abmelden') });
    if (await button.count()) await button.click();
  };
  const orcid = async (user: RegExp) => {
    await page.goto(`${base}/login`);
    await page.getByRole('link', { name: t('Sign in with ORCID', 'Mit ORCID anmelden') }).click();
    await page.getByRole('button', { name: user }).click();
  };
  const lastMailLink = async (path: string) => {
    await page.goto(`${base}/dev/mail`);
    return page.locator(`article.mail a[href*="${path}"]`).first().getAttribute('href');
  };

  await page.goto(`${base}/login?lang=${lang}`);
  await shot('login');
  await page.goto(`${base}/register`);
  await shot('register');
  await page.goto(`${base}/forgot`);
  await shot('forgot');
  await page.goto(`${base}/no-such-page`);
  await shot('error-not-found');

  // Case 1: a verified email no account uses → the decision page with "Create my account".
  await orcid(/0000-0002-1825-0097/);
  await shot('external-login-create');
  await page.getByRole('button', { name: t('Create my account', 'Mein Konto anlegen') }).click();
  await shot('profile-created');
  await signOut();
  await shot('login-signed-out');

  // Case 2: private email → "we need your email" → mailed link → create.
  await orcid(/0000-0001-5109-3700/);
  await shot('external-login-need-email');
  await page
    .getByLabel(t('Your email address', 'Ihre E-Mail-Adresse'), { exact: true })
    .fill(`maria.${lang}@example.it`);
  await page.getByRole('button', { name: t('Send the link', 'Link senden') }).click();
  await shot('email-confirmation');
  // The mailed link opened in another browser (here: this one without its browser cookie) asks
  // for the iD first; signing in with it there brings the person back to finish.
  await page.context().clearCookies({ name: /lanyard-browser$/ });
  await page.goto((await lastMailLink('/external-login/'))!);
  await shot('external-login-prove');
  await page
    .getByRole('button', { name: t('Sign in with ORCID to continue', 'Mit ORCID anmelden und fortfahren') })
    .click();
  await page.getByRole('button', { name: /0000-0001-5109-3700/ }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/external-login/'));
  await shot('external-login-proved');
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: t('Create my account', 'Mein Konto anlegen') }).click();
  await signOut();

  // Case 4: auto-link by verified email.
  await orcid(/0000-0002-1815-0010/);
  await shot('profile-auto-linked');
  await signOut();

  // Case 5: private email → the address of an existing account → review.
  await orcid(/0000-0003-1415-9269/);
  await page.getByLabel(t('Your email address', 'Ihre E-Mail-Adresse'), { exact: true }).fill('ada.king@example.org');
  await page.getByRole('button', { name: t('Send the link', 'Link senden') }).click();
  const review = (await lastMailLink('/review-account/'))!;
  // The same link in a browser without the sign-in's browser cookie: only the proof is offered.
  const kept = await page.context().cookies();
  await page.context().clearCookies({ name: /lanyard-browser$/ });
  await page.goto(review);
  await shot('review-account-prove');
  await page.context().addCookies(kept.filter((c) => c.name.endsWith('lanyard-browser')));
  await page.goto(review);
  await shot('review-account');
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: t('Link my ORCID iD and save', 'ORCID iD verknüpfen und speichern') }).click();
  await shot('profile-linked');
  await page.getByRole('link', { name: t('Devices and sessions', 'Geräte und Sitzungen') }).click();
  await shot('profile-sessions');
  await page.goto(`${base}/profile/activity`);
  await shot('profile-activity');
  await page.goto(`${base}/profile/orcid`);
  await shot('profile-orcid');
  // Removing the ORCID iD after the sign-in grew old: asked to sign in again, then to confirm.
  await page.goto(`${base}/profile`);
  const unlink = await page.locator('li[data-provider="orcid"] form').getAttribute('action');
  const remove = unlink!.replace(/\/unlink$/, '/remove');
  await page.goto(`${base}/login?reauth=1&returnTo=${encodeURIComponent(remove)}`);
  await shot('login-reauth');
  await page.goto(`${base}${remove}`);
  await shot('remove-identity');
  await signOut();

  // Case 6: sign in to link an existing account.
  await orcid(/0009-0002-7182-8182/);
  await page
    .getByRole('link', { name: t('Sign in to link an existing account', 'Anmelden und bestehendes Konto verknüpfen') })
    .click();
  await shot('login-to-link');
  await page.getByLabel(t('Email address', 'E-Mail-Adresse'), { exact: true }).fill('m.sklodowska@example.pl');
  await page.getByLabel(t('Password', 'Passwort'), { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: t('Sign in', 'Anmelden'), exact: true }).click();
  await shot('review-account-signed-in');
  await signOut();

  // The emulator's picker with a session, and a denial.
  await page.goto(`${base}/login`);
  await page.getByRole('link', { name: t('Sign in with ORCID', 'Mit ORCID anmelden') }).click();
  await shot('orcid-emulator');
  await page.getByRole('button', { name: 'Deny access' }).click();
  await shot('error-access-denied');

  // The held-back mail.
  for (let i = 0; i < 6; i++) {
    await page.goto(`${base}/forgot`);
    await page.getByLabel(t('Email address', 'E-Mail-Adresse'), { exact: true }).fill(`held.${lang}@example.org`);
    await page.getByRole('button', { name: t('Send the link', 'Link senden') }).click();
  }
  await shot('email-confirmation-held-back');
  await page.goto(`${base}/dev/mail`);
  await shot('dev-mail');
}

/**
 * After the README's cases, on the same demo: a repository signs a person in through Lanyard's
 * OpenID provider (sign-in, consent, the connected application on /profile, sign-out), then an
 * operator finds, inspects and previews a merge of a duplicate, and reads the audit trail.
 * `shot`'s second argument masks what differs from run to run (ids made at random).
 */
export async function consoleTour(
  page: Page,
  base: string,
  lanyard: Lanyard,
  lang: 'en' | 'de',
  shot: (name: string, mask?: Locator[]) => Promise<void>,
) {
  const t = (en: string, de: string) => (lang === 'en' ? en : de);
  const now = lanyard.clock.now();
  const hash = await lanyard.hasher.hash(DEMO_PASSWORD);
  const passwordAccount = async (email: string, given_name: string, family_name: string) => {
    const account = await createAccount(
      lanyard.db,
      { email, given_name, family_name, email_verified_at: now, locale: lang },
      now,
    );
    await setPasswordHash(lanyard.db, account.id, hash, now);
    return account;
  };
  const signIn = async (email: string) => {
    await page.getByLabel(t('Email address', 'E-Mail-Adresse'), { exact: true }).fill(email);
    await page.getByLabel(t('Password', 'Passwort'), { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: t('Sign in', 'Anmelden'), exact: true }).click();
  };
  const randomIds = () => [
    page.locator('a[href^="/admin/accounts/"]', { hasText: /^[0-9a-f]{8}$/ }),
    page.locator('code', { hasText: /^[0-9a-f]{8}-[0-9a-f-]{27}$/ }),
  ];

  // The repository: registered as needing consent; its callback answers without leaving the picture.
  const repository = createHttpServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Repository</title><p>Signed in'),
  );
  await new Promise<void>((resolve) => repository.listen(0, '127.0.0.1', resolve));
  const redirect = `http://127.0.0.1:${(repository.address() as AddressInfo).port}/callback`;
  const { client } = await addOidcClient(
    lanyard.db,
    { name: 'Example Repository', redirectUris: [redirect], auth: 'client_secret_basic', firstParty: false },
    now,
  );
  const authorize = new URL(`${base}/oidc/auth`);
  for (const [k, v] of Object.entries({
    client_id: client.client_id,
    redirect_uri: redirect,
    response_type: 'code',
    scope: 'openid profile email',
    state: 'tour',
    nonce: 'tour',
  }))
    authorize.searchParams.set(k, v);
  await page.goto(authorize.href);
  await page.waitForURL((u) => u.pathname === '/login');
  await shot('oidc-login');
  await signIn('grace.hopper@example.edu');
  // The consent page, not the "Continue" page before it (the same /interaction/ path, which moves
  // on by itself with a Refresh header: a picture taken there is lost with the page on a slow machine).
  await page.getByRole('button', { name: t('Allow', 'Erlauben') }).waitFor();
  await shot('oidc-consent');
  // "Not you?": signed out, and back at the sign-in for the same request (here the same person again).
  await page
    .getByRole('button', { name: t('Not you? Use another account', 'Nicht Sie? Anderes Konto verwenden') })
    .click();
  await page.waitForURL((u) => u.pathname === '/login');
  await shot('oidc-another-account');
  await signIn('grace.hopper@example.edu');
  await page.waitForURL((u) => u.pathname.startsWith('/interaction/'));
  await page.getByRole('button', { name: t('Allow', 'Erlauben') }).click();
  await page.waitForURL((u) => u.href.startsWith(redirect));
  repository.close();
  await page.goto(`${base}/profile`);
  await page.getByRole('heading', { name: t('Connected applications', 'Verbundene Anwendungen') }).waitFor();
  await shot('profile-applications');
  await page.goto(`${base}/oidc/session/end?client_id=${client.client_id}`);
  await shot('oidc-logout');
  await page.getByRole('button', { name: t('Sign me out of Lanyard', 'Bei Lanyard abmelden') }).click();
  await page.waitForURL((u) => u.pathname.endsWith('/session/end/success'));
  await shot('oidc-logged-out');

  // The operators' console: a person who once made a password account and later signed in with
  // ORCID as a new account (case 1's Josiah Carberry): found, opened, the merge previewed.
  const operator = await passwordAccount(`operator.${lang}@example.org`, 'Olga', 'Operator');
  await updateAccount(lanyard.db, operator.id, { is_admin: true }, now);
  await passwordAccount(`j.carberry.${lang}@wesleyan.example`, 'Josiah', 'Carberry');
  await page.goto(`${base}/login`);
  await signIn(operator.email);
  await page.getByRole('link', { name: t('Operators', 'Betrieb'), exact: true }).click();
  await page.waitForURL(`${base}/admin`);
  await shot('admin');
  await page.getByLabel(t('Find an account', 'Konto finden')).fill('Carberry');
  await page.getByRole('button', { name: t('Search', 'Suchen') }).click();
  await page.waitForURL(/\/admin\?q=/);
  await shot('admin-search', randomIds());
  await page
    .getByRole('row', { name: new RegExp(`j\\.carberry\\.${lang}@`) })
    .getByRole('link')
    .click();
  await page.waitForURL(/\/admin\/accounts\//);
  await shot('admin-account', randomIds());
  await page
    .getByLabel(t('Merge another account into this one', 'Ein anderes Konto in dieses übernehmen'))
    .fill('josiah.carberry@example.edu');
  await page.getByRole('button', { name: t('Show what moves', 'Anzeigen, was sich ändert') }).click();
  await page.waitForURL(/merge/);
  await shot('admin-merge-preview', randomIds());
  const mergePreview = page.url();
  await page.goto(`${base}/admin/audit`);
  await shot('admin-audit', randomIds());
  // A day typed month first: refused, the field says how to write it.
  await page.getByLabel(t('From (YYYY-MM-DD)', 'Von (TT.MM.JJJJ)')).fill('11/30/2026');
  await page.getByRole('button', { name: t('Show events', 'Ereignisse zeigen') }).click();
  await page.waitForURL(/from=/);
  await shot('admin-audit-bad-day');
  // The OpenID Connect clients: the repository registered above (its callback's port differs per run).
  await page.goto(`${base}/admin`);
  await page.getByRole('link', { name: t('OpenID Connect clients', 'OpenID-Connect-Clients') }).click();
  await page.waitForURL(`${base}/admin/clients`);
  await shot('admin-clients', [
    ...randomIds(),
    page.locator('[data-client] code', { hasText: /^http:\/\/127\.0\.0\.1:/ }),
  ]);
  // The possible duplicates: case 1's Josiah Carberry twice, by name.
  await page.goto(`${base}/admin`);
  await page.getByRole('link', { name: t('Possible duplicates', 'Mögliche Dubletten') }).click();
  await page.waitForURL(`${base}/admin/duplicates`);
  await shot('admin-duplicates');
  // The merge itself, then the page of the account merged away: disabled for good, naming the
  // account it went into.
  await page.goto(mergePreview);
  await page.getByRole('button', { name: t('Merge the accounts', 'Konten zusammenführen') }).click();
  await page.waitForURL(/\/admin\/accounts\/[0-9a-f-]+$/);
  await shot('admin-merged', randomIds());
  await page.goto(`${base}/admin?q=josiah.carberry%40example.edu`);
  await page
    .getByRole('row', { name: /josiah\.carberry@example\.edu/ })
    .getByRole('link')
    .click();
  await page.waitForURL(/\/admin\/accounts\//);
  await shot('admin-account-merged-away', randomIds());
  await page.getByRole('button', { name: t('Sign out', 'Abmelden') }).click();

  // A person changes their email address: the link mailed to the new address, and its page.
  const emmy = await passwordAccount(`e.noether.${lang}@example.org`, 'Emmy', 'Noether');
  await page.goto(`${base}/login`);
  await signIn(emmy.email);
  await page.waitForURL(`${base}/profile`);
  await page.getByLabel(t('New email address', 'Neue E-Mail-Adresse')).fill(`emmy.noether.${lang}@example.org`);
  await page.getByRole('button', { name: t('Send confirmation link', 'Bestätigungslink senden') }).click();
  await page.waitForURL(`${base}/profile`);
  await page.goto(`${base}/dev/mail`);
  const link = await page.locator('article.mail a[href*="/profile/email/"]').first().getAttribute('href');
  await page.goto(link!);
  await shot('email-change');
  await page.getByRole('button', { name: t('Use this address', 'Diese Adresse verwenden') }).click();
  await page.waitForURL(`${base}/profile`);
  await shot('profile-email-changed');
  await page.getByRole('button', { name: t('Sign out', 'Abmelden') }).click();

  // A first ORCID sign-in started from the repository (case 6's iD, not linked above): the decision
  // page and the review name the repository the sign-in goes on to.
  await page.goto(authorize.href);
  await page.waitForURL((u) => u.pathname === '/login');
  await page.getByRole('link', { name: t('Sign in with ORCID', 'Mit ORCID anmelden') }).click();
  await page.getByRole('button', { name: /0009-0002-7182-8182/ }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/external-login/'));
  await shot('oidc-external-login');
  await page
    .getByRole('link', { name: t('Sign in to link an existing account', 'Anmelden und bestehendes Konto verknüpfen') })
    .click();
  await signIn('m.sklodowska@example.pl');
  await page.waitForURL((u) => u.pathname.startsWith('/review-account/'));
  await shot('oidc-review-account');
  await page.getByRole('button', { name: t('Sign out', 'Abmelden') }).click();
}

/**
 * A federation's discovery page: every institution listed (a short federation), a search typed
 * into the type-ahead, and the institution chosen before offered first on the next visit.
 */
export async function discoveryTour(
  page: Page,
  base: string,
  lanyard: Lanyard,
  lang: 'en' | 'de',
  shot: (name: string) => Promise<void>,
) {
  // The institutions' own servers are not part of the picture: choosing one keeps Lanyard's answer
  // (its cookie remembers the choice) but stops before the redirect to the institution.
  await page.route(
    (u) => u.pathname === '/auth/fed/choose',
    async (route) => {
      const answer = await route.fetch({ maxRedirects: 0 });
      const { location: _location, ...headers } = answer.headers();
      await route.fulfill({
        status: 200,
        headers: { ...headers, 'content-type': 'text/html; charset=utf-8' },
        body: '<!doctype html><title>IdP</title>',
      });
    },
  );
  await page.goto(`${base}/login?lang=${lang}`);
  await page.goto(`${base}/auth/fed?returnTo=%2Fprofile`);
  await shot('saml-discovery');
  await page.getByRole('searchbox').pressSequentially('Kraków');
  await page.locator('#idp-status', { hasText: 'Kraków' }).waitFor();
  await shot('saml-discovery-search');
  await page.locator('#idp-results a.idp').first().click();
  await page.waitForURL((u) => u.pathname === '/auth/fed/choose');
  await page.goto(`${base}/auth/fed?returnTo=%2Fprofile`);
  await shot('saml-discovery-remembered');

  // Sent by a repository: the choice of institution names it, as the sign-in page does.
  const redirect = 'http://127.0.0.1:9/callback';
  const { client } = await addOidcClient(
    lanyard.db,
    { name: 'Example Repository', redirectUris: [redirect], auth: 'client_secret_basic' },
    lanyard.clock.now(),
  );
  const authorize = new URL(`${base}/oidc/auth`);
  for (const [k, v] of Object.entries({
    client_id: client.client_id,
    redirect_uri: redirect,
    response_type: 'code',
    scope: 'openid',
    state: 'tour',
  }))
    authorize.searchParams.set(k, v);
  await page.goto(authorize.href);
  await page.waitForURL((u) => u.pathname === '/login');
  await page.locator('main a[href^="/auth/fed?"]').click();
  await page.waitForURL((u) => u.pathname === '/auth/fed/discovery');
  await shot('saml-discovery-for-client');
}

/**
 * A Lanyard with one federation entry (40 institutions in an aggregate signed here, as the
 * federation would) on a fresh embedded database, on the same fixed port.
 */
export async function startFederationDemo() {
  const dataDir = mkdtempSync(join(tmpdir(), 'lanyard-shots-fed-'));
  const federation = generateKeyPair({ commonName: 'Example Federation metadata signer', bits: 2048 });
  await writeAggregate(join(dataDir, 'unsigned.xml'), { idps: 40, id: '_shots', logos: false });
  await signWithXmlsec1(join(dataDir, 'unsigned.xml'), join(dataDir, 'aggregate.xml'), federation);
  const port = Number(process.env.LANYARD_SCREENSHOT_PORT ?? 3999);
  const providers = [
    {
      id: 'fed',
      type: 'saml',
      label: { en: 'Example Federation', de: 'Beispiel-Föderation' },
      federationMetadataFile: join(dataDir, 'aggregate.xml'),
      federationCert: federation.certificate,
    },
  ];
  const config = loadConfig(
    { LANYARD_LOG_LEVEL: 'warn' },
    {
      LANYARD_PORT: String(port),
      LANYARD_HOST: '127.0.0.1',
      LANYARD_PUBLIC_URL: `http://127.0.0.1:${port}`,
      LANYARD_DATA_DIR: dataDir,
      LANYARD_ORCID_ENV: 'off',
      LANYARD_PROVIDERS: JSON.stringify(providers),
    },
  );
  await portFree(port);
  const server = await createServer(config);
  await server.app.listen({ port, host: '127.0.0.1' });
  return {
    url: config.publicUrl,
    lanyard: server.lanyard,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A demo-mode Lanyard on a fresh embedded database: each language walks the cases from the start. */
export async function startDemo() {
  const dataDir = mkdtempSync(join(tmpdir(), 'lanyard-shots-'));
  // A fixed port, so the iD links on the pages (which carry it) are the same on every run.
  const port = Number(process.env.LANYARD_SCREENSHOT_PORT ?? 3999);
  const config = loadConfig(
    { LANYARD_LOG_LEVEL: 'warn' },
    {
      LANYARD_PORT: String(port),
      LANYARD_HOST: '127.0.0.1',
      LANYARD_PUBLIC_URL: `http://127.0.0.1:${port}`,
      LANYARD_DATA_DIR: dataDir,
    },
  );
  // Another tour (an engineer's test run beside this one) may hold the port: wait until it is free.
  await portFree(port);
  const server = await createServer(config);
  await server.app.listen({ port, host: '127.0.0.1' });
  return {
    url: config.publicUrl,
    lanyard: server.lanyard,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Walks the tour in every language and writes `<page>.<lang>.png` to `outDir`. The demo listens on
 * the fixed port `LANYARD_SCREENSHOT_PORT` (default 3999) because the pages show it in iD links.
 * `onPage`, when given, sees each page just before its picture is taken (the visual test runs axe
 * there, so every page of the tour is checked for accessibility too).
 */
export async function captureScreenshots(
  outDir: string,
  onPage?: (page: Page, name: string, lang: 'en' | 'de') => Promise<void>,
): Promise<void> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--font-render-hinting=none'],
  });
  try {
    for (const lang of LANGUAGES) {
      const demo = await startDemo();
      const context = await browser.newContext({ viewport: VIEWPORT, locale: lang, reducedMotion: 'reduce' });
      const page = await context.newPage();
      const shot = async (name: string, mask: Locator[] = []) => {
        // A masked date still has its text's width ("1 December" is narrower than "30 November"):
        // every time is given the same text first, so the picture does not change with the day.
        // The tour may still be on its way through a redirect (waitForURL resolves at the first
        // matching URL): a page replaced under the call is waited for and the call made again.
        for (let attempt = 1; ; attempt++) {
          try {
            await page.waitForLoadState('load');
            await page.locator('time').evaluateAll((times) => {
              for (const time of times) {
                time.textContent = '30 September 2026, 23:59';
                // One box of one size, which the mask covers whole (an inline run's box can end
                // short of its last glyph). Through the CSSOM: the pages' Content-Security-Policy
                // refuses a style attribute set by script.
                (time as unknown as { style: { cssText: string } }).style.cssText =
                  'display: inline-block; width: 12em; overflow: hidden; white-space: nowrap; vertical-align: bottom';
              }
            });
            break;
          } catch (error) {
            if (attempt === 10 || !/context was destroyed/.test(String(error))) throw error;
          }
        }
        await onPage?.(page, name, lang);
        await page.screenshot({
          path: join(outDir, `${name}.${lang}.png`),
          fullPage: true,
          mask: [page.locator('time'), page.locator('pre.mail'), ...mask],
        });
      };
      try {
        await tour(page, demo.url, lang, shot);
        await consoleTour(page, demo.url, demo.lanyard, lang, shot);
      } finally {
        await context.close();
        await demo.stop();
      }
      const federation = await startFederationDemo();
      const fedContext = await browser.newContext({ viewport: VIEWPORT, locale: lang, reducedMotion: 'reduce' });
      const fedPage = await fedContext.newPage();
      try {
        await discoveryTour(fedPage, federation.url, federation.lanyard, lang, async (name) => {
          await onPage?.(fedPage, name, lang);
          await fedPage.screenshot({ path: join(outDir, `${name}.${lang}.png`), fullPage: true });
        });
      } finally {
        await fedContext.close();
        await federation.stop();
      }
    }
  } finally {
    await browser.close();
  }
}
