import assert from 'node:assert/strict';
import type { Browser } from './browser.js';
import type { TestApp } from './test-app.js';

/** A fresh browser that has loaded `path` (200), so its next post carries that page's CSRF field. */
export async function browserOn(app: TestApp, path: string, headers: Record<string, string> = {}): Promise<Browser> {
  const browser = app.browser();
  const page = await browser.get(path, headers);
  assert.equal(page.status, 200, `GET ${path} → ${page.status}: ${page.body.slice(0, 200)}`);
  return browser;
}
