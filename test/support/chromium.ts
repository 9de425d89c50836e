import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import axe from 'axe-core';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { PASSWORD } from './accounts.js';

/** Debian's Chromium: the only browser these tests use (nothing may download one). */
export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or false. Under CI=true a missing Chromium is a failure, never a skip. */
export function chromiumSkipReason(): string | false {
  if (existsSync(CHROMIUM) || process.env.CI === 'true') return false;
  return `${CHROMIUM} is missing (apt-get install -y chromium); under CI=true this is a failure`;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is required but ${CHROMIUM} is missing: install it with apt-get install -y chromium (.ci/run does)`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** What axe-core finds wrong on the page, whatever the impact; an empty list when nothing. */
export interface AxeViolation {
  id: string;
  impact: string | null | undefined;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core on the page. axe is evaluated through the DevTools protocol, which the page's CSP
 * (no inline scripts) rightly does not govern.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axe.source);
  return page.evaluate(async () => {
    // Runs in the page; the test's tsconfig has no DOM types, so the page's globals are named here.
    const page = globalThis as unknown as { axe: typeof axe; document: axe.ElementContext };
    const results = await page.axe.run(page.document, { resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
}

/**
 * Fails on any axe violation, whatever its impact (minor and moderate ones too: a heading that
 * skips a level is still a page a screen reader walks worse).
 */
export async function assertAccessible(page: Page): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], `axe found problems on ${page.url()}`);
}

/** A new page in `context` signed in on /login with `email` and the test password, in `lang`; on /profile. */
export async function signInWithPasswordIn(
  context: BrowserContext,
  baseUrl: string,
  email: string,
  lang: 'en' | 'de',
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/login?lang=${lang}`);
  await page.getByLabel(lang === 'de' ? 'E-Mail-Adresse' : 'Email address', { exact: true }).fill(email);
  await page.getByLabel(lang === 'de' ? 'Passwort' : 'Password', { exact: true }).fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${baseUrl}/profile`);
  return page;
}
