import assert from 'node:assert/strict';
import { before, beforeEach, test } from 'node:test';
import {
  authorizePath,
  createTestEmulator,
  exchange,
  location,
  MEMBER,
  PUBLIC,
  REDIRECT_URI,
  USERS,
  type TestEmulator,
} from './helpers.js';

let emu: TestEmulator;
before(async () => {
  emu = await createTestEmulator();
});
beforeEach(() => emu.state.reset());

const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie']).split(';')[0]!;

test('§1.2 a successful sign-in redirects with a 6-character alphanumeric code and the state as sent', async () => {
  const res = await emu.app.inject(authorizePath({ login_as: USERS.publicEmail, state: 'a b&c' }));
  assert.equal(res.statusCode, 302);
  const url = location(res);
  assert.equal(`${url.origin}${url.pathname}`, REDIRECT_URI);
  assert.match(url.searchParams.get('code')!, /^[A-Za-z0-9]{6}$/);
  assert.equal(url.searchParams.get('state'), 'a b&c');
});

test('§1.2 state is optional: without it the redirect carries only the code', async () => {
  const url = location(await emu.app.inject(authorizePath({ login_as: USERS.publicEmail })));
  assert.deepEqual([...url.searchParams.keys()], ['code']);
});

test('§1.2.1 unknown client_id gets 400 invalid_request, never a redirect', async () => {
  const res = await emu.app.inject(authorizePath({ client_id: 'APP-0000000000000000', login_as: USERS.publicEmail }));
  assert.equal(res.statusCode, 400);
  assert.equal(res.headers.location, undefined);
  assert.equal(res.body, '{"error_description":"Invalid parameter: client_id","error":"invalid_request"}');
});

test('§1.2.1 unknown redirect_uri gets 400, never a redirect', async () => {
  for (const redirect_uri of [
    'https://evil.example.com/cb',
    'http://127.0.0.1:3001/cb',
    'http://sub.localhost:3000/cb',
    'https://127.0.0.1:3000/cb',
  ]) {
    const res = await emu.app.inject(authorizePath({ redirect_uri, login_as: USERS.publicEmail }));
    assert.equal(res.statusCode, 400, redirect_uri);
    assert.equal(res.headers.location, undefined, redirect_uri);
    assert.equal(res.json().error, 'invalid_request');
  }
});

test('§1.2.1 a missing redirect_uri or response_type gets 400, never a redirect', async () => {
  const noRedirect = await emu.app.inject(
    `/oauth/authorize?client_id=${MEMBER.clientId}&response_type=code&scope=/authenticate`,
  );
  assert.equal(noRedirect.statusCode, 400);
  const noType = await emu.app.inject(authorizePath({ response_type: '' }));
  assert.equal(noType.statusCode, 400);
  assert.equal(noType.headers.location, undefined);
});

test('§1.2.1 redirect URIs match by scheme, host and port equality and path prefix; the query is not compared', async () => {
  const { state } = emu;
  state.addClient({
    clientId: 'APP-PATHPREFIX000001',
    clientSecret: 's',
    redirectUris: ['https://repo.example.org/orcid'],
  });
  const ok = (uri: string) =>
    emu.app.inject(
      authorizePath({ client_id: 'APP-PATHPREFIX000001', redirect_uri: uri, login_as: USERS.publicEmail }),
    );
  assert.equal((await ok('https://repo.example.org/orcid/callback?x=1')).statusCode, 302);
  assert.equal((await ok('https://repo.example.org/orcid')).statusCode, 302);
  assert.equal((await ok('https://repo.example.org/other')).statusCode, 400);
  assert.equal((await ok('https://repo.example.org:8443/orcid')).statusCode, 400);
  assert.equal((await ok('http://repo.example.org/orcid')).statusCode, 400);
});

test('§1.2.2 Deny redirects with ?error=access_denied, the description and the state', async () => {
  const url = location(await emu.app.inject(authorizePath({ deny: '1', state: 'xyz' })));
  assert.equal(url.searchParams.get('error'), 'access_denied');
  assert.equal(url.searchParams.get('error_description'), 'User denied access');
  assert.equal(url.searchParams.get('state'), 'xyz');
  assert.equal(url.searchParams.get('code'), null);
});

test('§1.2.2 an invalid scope redirects to redirect_uri#error=invalid_scope, fragment only, no state', async () => {
  const res = await emu.app.inject(
    authorizePath({ scope: '/not-a-scope', state: 'keep', login_as: USERS.publicEmail }),
  );
  assert.equal(res.headers.location, `${REDIRECT_URI}#error=invalid_scope`);
});

test('§1.3 a public (non-member) client asking for /read-limited gets #error=invalid_scope', async () => {
  const res = await emu.app.inject(
    authorizePath({ client_id: PUBLIC.clientId, scope: '/read-limited', login_as: USERS.publicEmail }),
  );
  assert.equal(res.headers.location, `${REDIRECT_URI}#error=invalid_scope`);
});

test('§1.3 a missing scope is an error (scope is required)', async () => {
  const res = await emu.app.inject(authorizePath({ scope: '', login_as: USERS.publicEmail }));
  assert.equal(res.headers.location, `${REDIRECT_URI}#error=invalid_scope`);
});

test('§1.3 scopes may be separated by + or spaces', async () => {
  // Written by hand: URLSearchParams would encode the `+` itself.
  const raw =
    `/oauth/authorize?client_id=${MEMBER.clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}` +
    `&login_as=${USERS.publicEmail}&scope=openid+/read-limited%20%20/activities/update`;
  const code = location(await emu.app.inject(raw)).searchParams.get('code')!;
  const token = (await exchange(emu.app, code)).json();
  assert.equal(token.scope, 'openid /read-limited /activities/update');
});

test('§1.2.2 an unsupported response_type redirects to #error=unsupported_response_type', async () => {
  const res = await emu.app.inject(authorizePath({ response_type: 'code token', login_as: USERS.publicEmail }));
  assert.equal(res.headers.location, `${REDIRECT_URI}#error=unsupported_response_type`);
});

test('§1.2.2 prompt=none without a session redirects to redirect_uri#login_required, literally', async () => {
  const res = await emu.app.inject(authorizePath({ scope: 'openid', prompt: 'none', state: 's' }));
  assert.equal(res.headers.location, `${REDIRECT_URI}#login_required`);
});

test('§1.2 prompt=none with a signed-in session and an earlier approval returns a code (skip consent)', async () => {
  const first = await emu.app.inject(authorizePath({ scope: 'openid', login_as: USERS.umlautMfa }));
  const res = await emu.app.inject({
    url: authorizePath({ scope: 'openid', prompt: 'none', state: 's2' }),
    headers: { cookie: cookieOf(first) },
  });
  assert.equal(res.statusCode, 302);
  assert.match(location(res).searchParams.get('code')!, /^[A-Za-z0-9]{6}$/);
  assert.equal(location(res).searchParams.get('state'), 's2');
});

test('§1.2 prompt=none when signed in but never approved for these scopes gives interaction_required', async () => {
  const first = await emu.app.inject(authorizePath({ scope: 'openid', login_as: USERS.umlautMfa }));
  const res = await emu.app.inject({
    url: authorizePath({ scope: 'openid /read-limited', prompt: 'none' }),
    headers: { cookie: cookieOf(first) },
  });
  assert.equal(res.headers.location, `${REDIRECT_URI}#error=interaction_required`);
});

test('§1.2 max_age older than the sign-in makes prompt=none fail with login_required', async () => {
  const first = await emu.app.inject(authorizePath({ scope: 'openid', login_as: USERS.umlautMfa }));
  emu.state.advanceClock(120_000);
  const res = await emu.app.inject({
    url: authorizePath({ scope: 'openid', prompt: 'none', max_age: '60' }),
    headers: { cookie: cookieOf(first) },
  });
  assert.equal(res.headers.location, `${REDIRECT_URI}#login_required`);
});

test('§1.2 max_age must be an integer ("Invalid max_age param")', async () => {
  const res = await emu.app.inject(authorizePath({ scope: 'openid', max_age: 'soon' }));
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /Invalid max_age param/);
});

test('§1.2 prompt=login shows the sign-in page even with a session', async () => {
  const first = await emu.app.inject(authorizePath({ scope: 'openid', login_as: USERS.umlautMfa }));
  const res = await emu.app.inject({
    url: authorizePath({ scope: 'openid', prompt: 'login' }),
    headers: { cookie: cookieOf(first) },
  });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /<h1>Sign in<\/h1>/);
});

test('§1.2 signed in and already approved, a plain authorize request is granted without a page', async () => {
  const first = await emu.app.inject(authorizePath({ login_as: USERS.publicEmail }));
  const res = await emu.app.inject({ url: authorizePath(), headers: { cookie: cookieOf(first) } });
  assert.ok(location(res).searchParams.get('code'));
});

test('§1.2 signed in but not yet approved: a consent page whose Authorize button grants', async () => {
  const first = await emu.app.inject(authorizePath({ login_as: USERS.publicEmail }));
  const page = await emu.app.inject({
    url: authorizePath({ scope: '/read-limited' }),
    headers: { cookie: cookieOf(first) },
  });
  assert.match(page.body, /name="approve" value="1"/);
  const res = await emu.app.inject({
    url: authorizePath({ scope: '/read-limited', approve: '1' }),
    headers: { cookie: cookieOf(first) },
  });
  assert.ok(location(res).searchParams.get('code'));
});

test('§1.2 email, orcid, given_names, family_names, lang and show_login are accepted and ignored', async () => {
  const res = await emu.app.inject(
    authorizePath({
      login_as: USERS.publicEmail,
      email: 'x@example.org',
      orcid: USERS.publicEmail,
      given_names: 'A',
      family_names: 'B',
      lang: 'de',
      show_login: 'true',
    }),
  );
  assert.ok(location(res).searchParams.get('code'));
});

test('§6.4 the sign-in page lists fixture users with descriptions, a Deny button, no script, labelled as an emulator', async () => {
  const res = await emu.app.inject(authorizePath({ state: '"><script>alert(1)</script>' }));
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.match(res.body, /ORCID emulator — not the real ORCID/);
  assert.match(res.body, /name="deny" value="1"/);
  assert.match(res.body, /value="0000-0002-1694-233X"/);
  assert.match(res.body, /private email/);
  assert.match(res.body, /Jürgen Müller/);
  assert.ok(!res.body.includes('<script>'), 'state must be escaped');
  assert.match(res.body, /&quot;&gt;&lt;script&gt;/);
});

test('§6.4 login_as with an unknown iD is a 400, not a sign-in', async () => {
  const res = await emu.app.inject(authorizePath({ login_as: '0000-0002-1825-0098' }));
  assert.equal(res.statusCode, 400);
  assert.equal(res.headers.location, undefined);
});

test('§6.4 login_as with deny=1 signs in and denies', async () => {
  const res = await emu.app.inject(authorizePath({ login_as: USERS.publicEmail, deny: '1' }));
  assert.equal(location(res).searchParams.get('error'), 'access_denied');
  assert.match(String(res.headers['set-cookie']), /orcid_emulator_session=/);
});

test('§2.6 /userStatus.json?logUserOut=true signs the user out', async () => {
  const first = await emu.app.inject(authorizePath({ login_as: USERS.publicEmail }));
  const status = await emu.app.inject({ url: '/userStatus.json', headers: { cookie: cookieOf(first) } });
  assert.deepEqual(status.json(), { loggedIn: true });
  const out = await emu.app.inject({ url: '/userStatus.json?logUserOut=true', headers: { cookie: cookieOf(first) } });
  assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
});
