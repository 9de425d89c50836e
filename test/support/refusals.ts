import assert from 'node:assert/strict';
import type { ErrorCode } from '../../src/errors.js';
import type { Page } from './browser.js';

/**
 * Asserts a refusal: the HTTP status and the stable code, read from problem+json (`code`) or from
 * the page's `data-error-code` attribute, whichever the response is.
 */
export function assertRefused(page: Page, status: number, code: ErrorCode): void {
  const type = String(page.headers['content-type'] ?? '');
  assert.equal(page.status, status, `expected ${status} ${code}, got ${page.status}: ${page.body.slice(0, 300)}`);
  if (type.includes('json')) {
    assert.match(type, /^application\/problem\+json/);
    const problem = page.json<{ code: string; status: number }>();
    assert.equal(problem.code, code);
    assert.equal(problem.status, status);
  } else {
    assert.match(type, /^text\/html/);
    assert.equal(
      page.body.match(/data-error-code="([A-Z_]+)"/)?.[1],
      code,
      `page does not carry data-error-code="${code}"`,
    );
  }
}
