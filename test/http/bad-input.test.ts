import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser } from '../support/browser.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { assertRefused } from '../support/refusals.js';
import { forEachBackend } from '../support/suite.js';
import { browserOn } from '../support/pages.js';

const form = { 'content-type': 'application/x-www-form-urlencoded' };

/** Posts exactly `fields` (no CSRF field filled in for us), as a forged or broken form would. */
const postRaw = (
  browser: Browser,
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = form,
) => browser.request('POST', url, new URLSearchParams(fields).toString(), headers);

forEachBackend('bad input is refused with a stable code and changes nothing', (ctx) => {
  const on = (page: string) => browserOn(ctx(), page);
  const unchanged = <T>(action: () => Promise<T>) => expectNoChange(ctx().lanyard.db, action);

  test('malformed email on /register → 400 INVALID_EMAIL', async () => {
    const browser = await on('/register');
    for (const email of ['not-an-email', 'a@b', 'two@@example.org', 'space in@example.org', '<a>@example.org']) {
      assertRefused(await unchanged(() => browser.post('/register', { email })), 400, 'INVALID_EMAIL');
    }
  });

  test('malformed email on /forgot → 400 INVALID_EMAIL', async () => {
    const browser = await on('/forgot');
    assertRefused(
      await unchanged(() => browser.post('/forgot', { email: 'nobody-at-example.org' })),
      400,
      'INVALID_EMAIL',
    );
  });

  test('over-long email (longer than RFC 5321 allows) → 400 INVALID_EMAIL', async () => {
    const browser = await on('/register');
    const email = `${'a'.repeat(64)}@${'b'.repeat(200)}.org`;
    assertRefused(await unchanged(() => browser.post('/register', { email })), 400, 'INVALID_EMAIL');
  });

  test('email field beyond any sane size → 400 VALIDATION_FAILED', async () => {
    const browser = await on('/register');
    assertRefused(
      await unchanged(() => browser.post('/register', { email: `${'a'.repeat(5000)}@example.org` })),
      400,
      'VALIDATION_FAILED',
    );
  });

  test('missing fields → 400 VALIDATION_FAILED (page and problem+json)', async () => {
    const browser = await on('/login');
    assertRefused(
      await unchanged(() => browser.post('/login', { email: 'someone@example.org' })),
      400,
      'VALIDATION_FAILED',
    );
    assertRefused(await unchanged(() => browser.post('/register', {})), 400, 'VALIDATION_FAILED');
    const json = { accept: 'application/json' };
    assertRefused(await unchanged(() => browser.post('/login', { password: 'x' }, json)), 400, 'VALIDATION_FAILED');
  });

  test('a 1 MB body → 413 BODY_TOO_LARGE', async () => {
    const browser = await on('/register');
    const huge = { email: `${'a'.repeat(1024 * 1024)}@example.org` };
    assertRefused(await unchanged(() => browser.post('/register', huge)), 413, 'BODY_TOO_LARGE');
    const asJson = JSON.stringify(huge);
    const jsonHeaders = { 'content-type': 'application/json', accept: 'application/json' };
    assertRefused(await unchanged(() => browser.request('POST', '/login', asJson, jsonHeaders)), 413, 'BODY_TOO_LARGE');
  });

  test('a body of an unsupported type → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const browser = await on('/login');
    assertRefused(
      await unchanged(() => browser.request('POST', '/login', '<email/>', { 'content-type': 'application/xml' })),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  test('missing CSRF token → 403 CSRF_FAILED', async () => {
    const browser = await on('/register');
    assertRefused(
      await unchanged(() => postRaw(browser, '/register', { email: 'csrf-missing@example.org' })),
      403,
      'CSRF_FAILED',
    );
  });

  test('wrong CSRF token → 403 CSRF_FAILED', async () => {
    const browser = await on('/register');
    assertRefused(
      await unchanged(() => browser.post('/register', { email: 'csrf-wrong@example.org', _csrf: 'A'.repeat(43) })),
      403,
      'CSRF_FAILED',
    );
  });

  test("another browser's CSRF token → 403 CSRF_FAILED", async () => {
    const victim = await on('/register');
    const attacker = await on('/register');
    const stolen = attacker.lastHtml.match(/name="_csrf" value="([^"]+)"/)![1]!;
    assertRefused(
      await unchanged(() => victim.post('/register', { email: 'csrf-other@example.org', _csrf: stolen })),
      403,
      'CSRF_FAILED',
    );
  });

  test('a form posted without ever loading a page (no CSRF cookie) → 403 CSRF_FAILED', async () => {
    const browser = ctx().browser();
    assertRefused(
      await unchanged(() => postRaw(browser, '/forgot', { email: 'no-cookie@example.org', _csrf: 'A'.repeat(43) })),
      403,
      'CSRF_FAILED',
    );
  });

  test('unknown routes → 404 NOT_FOUND (page for browsers, problem+json under /api)', async () => {
    const browser = ctx().browser();
    assertRefused(await unchanged(() => browser.get('/no-such-page')), 404, 'NOT_FOUND');
    assertRefused(
      await unchanged(() => browser.get('/api/no-such-endpoint', { accept: 'application/json' })),
      404,
      'NOT_FOUND',
    );
    assertRefused(await unchanged(() => postRaw(browser, '/no-such-form', { a: 'b' })), 404, 'NOT_FOUND');
  });

  test('a page asked with a method it does not have → 405 METHOD_NOT_ALLOWED with Allow', async () => {
    const browser = ctx().browser();
    const page = await unchanged(() => browser.request('DELETE', '/login'));
    assertRefused(page, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(page.headers.allow, 'GET, HEAD, POST, OPTIONS');
    assert.match(page.body, /follow a link or a form/);
    assertRefused(await unchanged(() => postRaw(browser, '/profile/activity', { a: 'b' })), 405, 'METHOD_NOT_ALLOWED');
  });
});
