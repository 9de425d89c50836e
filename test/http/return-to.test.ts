import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { buildHttpApp } from '../../src/http/app.js';
import { seedAccount, PASSWORD } from '../support/accounts.js';
import { Browser } from '../support/browser.js';
import { addOrcidUser } from '../support/orcid.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';

/** returnTo values outside Latin-1 (and controls) that once reached the Location header raw. */
const hostile = ['/%C4%81', '/ā', '/a\u007fb', '/a\u2028b', '/🦊?x=🦊#🦊', '/profile\u0085', '/x\ud800'];

forEachBackend(
  'returnTo outside Latin-1, over real HTTP',
  (ctx) => {
    let origin: string;
    before(async () => {
      await ctx().app.listen({ port: 0, host: '127.0.0.1' });
      const address = ctx().app.server.address();
      origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });

    test('POST /login with each one signs in and lands on an ASCII, same-origin Location', async () => {
      const account = await seedAccount(ctx().lanyard);
      for (const returnTo of hostile) {
        const browser = new Browser(ctx().app, 'http://not-this-origin.test');
        const page = await browser.get(`${origin}/login?${new URLSearchParams({ returnTo })}`);
        assert.equal(page.status, 200, `${JSON.stringify(returnTo)}: ${page.body.slice(0, 300)}`);
        const done = await browser.post(`${origin}/login`, { email: account.email, password: PASSWORD, returnTo });
        assert.equal(done.status, 303, `${JSON.stringify(returnTo)}: ${done.status} ${done.body.slice(0, 300)}`);
        assert.match(done.location!, /^\/[\x21-\x7e]*$/, `Location ${JSON.stringify(done.location)}`);
        assert.ok(!done.location!.startsWith('//'));
      }
    });

    test('/login/orcid with each one starts the flow and the callback lands on an ASCII Location', async () => {
      // The iD's verified email is an account's: the first sign-in links it, every one lands on returnTo.
      const account = await seedAccount(ctx().lanyard);
      const orcid = addOrcidUser(ctx(), { emails: [{ email: account.email, visibility: 'public', verified: true }] });
      for (const returnTo of hostile) {
        const browser = new Browser(ctx().app, 'http://not-this-origin.test');
        const start = await browser.get(`${origin}/login/orcid?${new URLSearchParams({ returnTo })}`);
        assert.equal(start.status, 303, `${JSON.stringify(returnTo)}: ${start.status} ${start.body.slice(0, 300)}`);
        const authorize = new URL(start.location!);
        authorize.searchParams.set('login_as', orcid);
        const granted = await browser.get(authorize.href);
        // The emulator sends the browser to the public URL; this Lanyard listens on `origin`.
        const callback = new URL(granted.location!);
        const back = await browser.get(`${origin}${callback.pathname}${callback.search}`);
        assert.ok(
          [302, 303].includes(back.status),
          `${JSON.stringify(returnTo)}: ${back.status} ${back.body.slice(0, 300)}`,
        );
        assert.match(back.location!, /^\/[\x21-\x7e]*$/, `Location ${JSON.stringify(back.location)}`);
        assert.notEqual(back.location, '/profile', `${JSON.stringify(returnTo)} was dropped, not encoded`);
      }
    });

    test('an error body never carries an internal message (a bad header value, a thrown Node error)', async () => {
      const res = await fetch(`${origin}/login?returnTo=${encodeURIComponent('/\u{1F98A}')}`);
      assert.equal(res.status, 200);
      for (const path of ['/login/orcid?returnTo=%F0%9F%A6%8A', '/login?returnTo=%ZZ', '/%E0%A4%A']) {
        const r = await fetch(`${origin}${path}`, { redirect: 'manual', headers: { accept: 'application/json' } });
        const body = await r.text();
        assert.ok(r.status < 500, `${path}: ${r.status} ${body}`);
        assert.doesNotMatch(body, /ERR_|Invalid character|TypeError|at [\w.]+ \(/, `${path}: ${body}`);
      }
    });

    test('a URL the router refuses, opened in a browser, is a 400 page and the process goes on serving', async () => {
      // The router answers these before any hook ran (no cookies read): the error page once threw
      // reading the flash cookie, outside every handler, and the exception ended the process.
      const long = 'a'.repeat(300);
      for (const path of ['/%E0%A4%A', `/interaction/${long}`, `/review-account/${long}`, `/forgot/${long}`]) {
        const r = await fetch(`${origin}${path}`, { headers: { accept: 'text/html', cookie: 'lanyard-flash=x.y' } });
        const body = await r.text();
        assert.equal(r.status, 400, `${path}: ${r.status} ${body.slice(0, 300)}`);
        assert.match(body, /data-error-code="VALIDATION_FAILED"/, path);
      }
      assert.equal((await fetch(`${origin}/login`)).status, 200);
    });
  },
  withOrcid,
);

forEachBackend('no error body shows an internal message, on any route', (ctx) => {
  test('a raw non-ASCII redirect is encoded; a bad header value or a thrown Node error is a plain INTERNAL', async () => {
    // Routes that make each mistake on purpose, mounted on a whole Lanyard app beside its own.
    const app = await buildHttpApp(ctx().lanyard, {
      routes: [
        (a) => {
          a.get('/mistake/redirect', (_q, reply) => reply.redirect('/ā\u2028🦊', 303));
          a.get('/mistake/header', (_q, reply) => reply.header('x-echo', 'ā\u2028').send('hello'));
          a.get('/mistake/throw', () => {
            throw new TypeError('secret internal detail');
          });
        },
      ],
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = app.server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const redirect = await fetch(`${base}/mistake/redirect`, { redirect: 'manual' });
      assert.equal(redirect.status, 303);
      assert.equal(redirect.headers.get('location'), '/%C4%81%E2%80%A8%F0%9F%A6%8A');
      for (const path of ['/mistake/header', '/mistake/throw']) {
        for (const accept of ['application/json', 'text/html']) {
          const res = await fetch(`${base}${path}`, { headers: { accept } });
          const body = await res.text();
          assert.equal(res.status, 500, `${path} ${accept}: ${body}`);
          assert.equal(res.headers.get('x-echo'), null);
          assert.doesNotMatch(body, /secret internal detail|Invalid character|ERR_|TypeError/, `${path}: ${body}`);
          if (accept === 'application/json') assert.equal(JSON.parse(body).code, 'INTERNAL');
          else assert.match(body, /data-error-code="INTERNAL"/);
        }
      }
    } finally {
      await app.close();
    }
  });
});
