import type { FixtureUser } from '../../src/emulator/orcid/index.js';
import { mintOrcid } from '../../src/emulator/orcid/index.js';
import type { Browser, Page } from './browser.js';
import type { TestApp } from './test-app.js';

/**
 * Runs "Sign in with ORCID" as a browser does: Lanyard's start route → the emulator's authorize
 * endpoint (signing in headlessly as `orcid`) → back to Lanyard's callback. Returns the
 * callback's response (a redirect into the account, to a registration page, or an error page).
 */
export async function signInWithOrcid(
  browser: Browser,
  orcid: string,
  opts: { returnTo?: string; startPath?: string; form?: Record<string, string>; authorize?: (url: URL) => void } = {},
): Promise<Page> {
  const start = opts.form
    ? await browser.post(opts.startPath ?? '/profile/link/orcid', opts.form)
    : await browser.get(
        `${opts.startPath ?? '/login/orcid'}${opts.returnTo ? `?returnTo=${encodeURIComponent(opts.returnTo)}` : ''}`,
      );
  if (start.status !== 303 || !start.location)
    throw new Error(`ORCID start did not redirect: ${start.status} ${start.body.slice(0, 300)}`);
  const authorize = new URL(start.location);
  authorize.searchParams.set('login_as', orcid);
  opts.authorize?.(authorize);
  const granted = await browser.get(authorize.href);
  if (granted.status !== 302 && granted.status !== 303)
    throw new Error(`emulator did not redirect: ${granted.status} ${granted.body.slice(0, 300)}`);
  return browser.get(granted.location!);
}

let counter = 0;

/** Adds an emulator user; emails are `{email, visibility, verified}` like the fixtures. */
export function addOrcidUser(app: TestApp, user: Partial<FixtureUser> & { emails?: FixtureUser['emails'] }): string {
  const orcid = user.orcid ?? mintOrcid(new Set());
  counter++;
  app.orcid!.state.addUser({
    givenNames: user.givenNames ?? `Test${counter}`,
    familyName: user.familyName ?? 'Researcher',
    emails: [],
    ...user,
    orcid,
  });
  return orcid;
}

/** A password account with a verified email, made through the store (fast, no mail). */
export async function createPasswordAccount(
  app: TestApp,
  email: string,
  opts: { verified?: boolean; password?: string; givenName?: string; familyName?: string } = {},
) {
  const { createAccount } = await import('../../src/stores/accounts.js');
  const { setPasswordHash } = await import('../../src/stores/identities.js');
  const now = app.clock.now();
  const account = await createAccount(
    app.lanyard.db,
    {
      email,
      email_verified_at: opts.verified === false ? null : now,
      given_name: opts.givenName ?? 'Ada',
      family_name: opts.familyName ?? 'Lovelace',
    },
    now,
  );
  await setPasswordHash(
    app.lanyard.db,
    account.id,
    await app.lanyard.hasher.hash(opts.password ?? 'correct horse battery'),
    now,
  );
  return account;
}

export async function signInWithPassword(
  browser: Browser,
  email: string,
  password = 'correct horse battery',
  returnTo?: string,
): Promise<Page> {
  await browser.get(returnTo ? `/login?returnTo=${encodeURIComponent(returnTo)}` : '/login');
  return browser.post('/login', { email, password, ...(returnTo ? { returnTo } : {}) });
}

/** A first ORCID sign-in that creates the account (the iD's ORCID email must be public and new). */
export async function createAccountWithOrcid(browser: Browser, orcid: string): Promise<Page> {
  const back = await signInWithOrcid(browser, orcid);
  if (!back.location?.startsWith('/external-login/'))
    throw new Error(`expected a registration, got ${back.status} ${back.location}`);
  await browser.get(back.location);
  const created = await browser.post(`${back.location}/create`, {});
  if (created.location !== '/profile')
    throw new Error(`account not created: ${created.status} ${created.body.slice(0, 300)}`);
  return created;
}
