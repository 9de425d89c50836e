import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Account } from '../../src/db/schema.js';
import { cookieNames } from '../../src/http/cookies.js';
import type { Db } from '../../src/db/connect.js';
import type { Lanyard } from '../../src/lanyard.js';
import { createAccount } from '../../src/stores/accounts.js';
import { setPasswordHash } from '../../src/stores/identities.js';
import type { Browser } from './browser.js';
import { linkIn } from './mail-catcher.js';
import type { TestApp } from './test-app.js';
import { browserOn } from './pages.js';

export const PASSWORD = 'correct horse battery';

/** An address no other test uses, so suites sharing one database stay independent. */
export const uniqueEmail = (name = 'user') => `${name}-${randomBytes(4).toString('hex')}@example.org`;

/** The identity of `provider` (ORCID unless named) with `subject`, when one is linked. */
export const identityWith = (db: Db, subject: string, provider = 'orcid') =>
  db
    .selectFrom('identity')
    .selectAll()
    .where('provider', '=', provider)
    .where('subject', '=', subject)
    .executeTakeFirst();

/** The ids of the accounts that use `email` (none or one). */
export const accountIdsWith = (db: Db, email: string) =>
  db.selectFrom('account').select('id').where('email', '=', email).execute();

/** An active, verified password account made straight in the stores (the register flow has its own tests). */
export async function seedAccount(lanyard: Lanyard, email = uniqueEmail(), password = PASSWORD): Promise<Account> {
  const now = lanyard.clock.now();
  const account = await createAccount(
    lanyard.db,
    { email, email_verified_at: now, given_name: 'Test', family_name: 'User', locale: 'en' },
    now,
  );
  await setPasswordHash(lanyard.db, account.id, await lanyard.hasher.hash(password), now);
  return account;
}

/** A browser signed in through /login with `email` and `password`. */
export async function signedInBrowser(
  app: TestApp,
  email: string,
  password = PASSWORD,
  browser = app.browser(),
): Promise<Browser> {
  await browser.get('/login');
  const page = await browser.post('/login', { email, password });
  assert.equal(page.status, 303, `sign-in failed: ${page.body.slice(0, 200)}`);
  return browser;
}

/** A browser signed in with the password from a device that sends `userAgent` on every request. */
export async function signedInFrom(app: TestApp, email: string, userAgent: string): Promise<Browser> {
  const browser = app.browser();
  const ua = { 'user-agent': userAgent };
  await browser.get('/login', ua);
  const page = await browser.post('/login', { email, password: PASSWORD }, ua);
  assert.equal(page.status, 303, `sign-in failed: ${page.body.slice(0, 200)}`);
  return browser;
}

export const sessionCookie = (app: TestApp, browser: Browser) => browser.cookie(cookieNames(app.config).session);

/**
 * Asks for a mailed link on `page` (/register or /forgot) for `email`, from a fresh browser, and
 * returns the link of the mail that arrives for it (a mail that was not there before).
 */
export async function mailedLink(
  app: TestApp,
  page: '/register' | '/forgot',
  email: string,
  linkPath = `${page}/`,
): Promise<string> {
  const earlier = new Set(app.mail.messages);
  const sent = await (await browserOn(app, page)).post(page, { email });
  assert.equal(sent.status, 303, `asking for a link failed: ${sent.body.slice(0, 200)}`);
  return linkIn(await app.mail.waitFor(email, (m) => !earlier.has(m)), linkPath);
}
