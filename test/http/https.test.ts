import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { PASSWORD, seedAccount } from '../support/accounts.js';
import { AddressClient, listen } from '../support/address-client.js';
import { forEachBackend } from '../support/suite.js';

/** Every Set-Cookie line of an answer. */
const cookiesOf = (headers: Record<string, string | string[] | undefined>) => {
  const v = headers['set-cookie'];
  return Array.isArray(v) ? v : v ? [v] : [];
};

/** A browser accepts a __Host- cookie only with Secure, Path=/ and no Domain; ours add HttpOnly and Lax. */
function assertHostCookie(line: string): void {
  assert.match(line, /^__Host-lanyard-[a-z]+=/, line);
  assert.match(line, /; Secure/i, line);
  assert.match(line, /; Path=\//i, line);
  assert.match(line, /; HttpOnly/i, line);
  assert.match(line, /; SameSite=Lax/i, line);
  assert.doesNotMatch(line, /; Domain=/i, line);
}

forEachBackend(
  'served over https behind a trusted proxy: __Host- Secure cookies and HSTS',
  (ctx) => {
    let origin: string;
    before(async () => {
      origin = await listen(ctx().app);
    });

    test('every cookie, set or cleared, is __Host- and Secure, and every answer has HSTS — whatever the proxy forwards', async () => {
      const account = await seedAccount(ctx().lanyard);
      // TLS ends at the proxy; what it forwards must not turn the protection off.
      for (const proto of ['https', 'http', undefined]) {
        const client = new AddressClient(origin, '127.0.0.1');
        const headers: Record<string, string> = proto ? { 'x-forwarded-proto': proto } : {};
        const page = await client.send('GET', '/login?lang=de', undefined, headers);
        assert.equal(page.status, 200);
        assert.equal(page.headers['strict-transport-security'], 'max-age=63072000');
        const set = cookiesOf(page.headers);
        assert.ok(
          set.some((c) => c.startsWith('__Host-lanyard-csrf=')),
          `no CSRF cookie: ${set.join(' | ')}`,
        );
        set.forEach(assertHostCookie);

        const signedIn = await client.pageLogin(account.email, PASSWORD);
        assert.equal(signedIn.status, 303, signedIn.body.slice(0, 200));
        assert.ok(cookiesOf(signedIn.headers).some((c) => c.startsWith('__Host-lanyard-session=')));
        cookiesOf(signedIn.headers).forEach(assertHostCookie);
        assert.equal(signedIn.headers['strict-transport-security'], 'max-age=63072000');

        const profile = await client.send('GET', '/profile', undefined, headers);
        assert.equal(profile.status, 200, 'the __Host- session cookie does not open the account');
        const out = await client.send('POST', '/logout', new URLSearchParams({ _csrf: client.csrf! }).toString(), {
          ...headers,
          'content-type': 'application/x-www-form-urlencoded',
        });
        assert.ok(out.status < 400, `sign-out ${out.status}`);
        const cleared = cookiesOf(out.headers).filter((c) => c.startsWith('__Host-lanyard-session='));
        assert.equal(cleared.length, 1, 'the session cookie is not cleared');
        cleared.forEach(assertHostCookie);
        const api = await client.send('GET', '/api/authn/status', undefined, {
          ...headers,
          accept: 'application/json',
        });
        assert.equal(api.headers['strict-transport-security'], 'max-age=63072000');
      }
    });
  },
  { LANYARD_PUBLIC_URL: 'https://login.lanyard.test', LANYARD_TRUST_PROXY: 'true' },
);

forEachBackend('served over plain http (development): no Secure, no __Host-, no HSTS', (ctx) => {
  test('cookies a browser keeps on http, and no HSTS that would pin a development host to https', async () => {
    const client = new AddressClient(await listen(ctx().app), '127.0.0.1');
    const page = await client.send('GET', '/login?lang=en');
    assert.equal(page.headers['strict-transport-security'], undefined);
    const set = cookiesOf(page.headers);
    assert.ok(
      set.some((c) => c.startsWith('lanyard-csrf=')),
      set.join(' | '),
    );
    for (const line of set) assert.doesNotMatch(line, /__Host-|; Secure/i, line);
  });
});
