import assert from 'node:assert/strict';
import { before, beforeEach, test } from 'node:test';
import { BASE, createTestEmulator, MEMBER, postForm, signIn, USERS, type TestEmulator } from './helpers.js';

let emu: TestEmulator;
before(async () => {
  emu = await createTestEmulator();
});
beforeEach(() => emu.state.reset());

const JSON_ACCEPT = { accept: 'application/json' };
const get = (url: string, headers: Record<string, string> = JSON_ACCEPT) => emu.app.inject({ url, headers });
const bearer = (token: string) => ({ ...JSON_ACCEPT, authorization: `Bearer ${token}` });
const emails = async (url: string, headers?: Record<string, string>) =>
  (await get(url, headers)).json().email.map((e: { email: string }) => e.email);

test('§2.2 /email has the captured shape: container keys, entry keys in order, source, path', async () => {
  const res = await get(`/pub-api/v3.0/${USERS.publicEmail}/email`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['last-modified-date', 'email', 'path']);
  assert.equal(body.path, `/${USERS.publicEmail}/email`);
  const [entry] = body.email;
  assert.deepEqual(Object.keys(entry), [
    'created-date',
    'last-modified-date',
    'source',
    'email',
    'path',
    'visibility',
    'verified',
    'primary',
    'put-code',
  ]);
  assert.deepEqual(entry.source['source-orcid'], {
    uri: `${BASE}/${USERS.publicEmail}`,
    path: USERS.publicEmail,
    host: new URL(BASE).host,
  });
  assert.equal(entry.email, 'josiah.carberry@example.edu');
  assert.equal(entry.visibility, 'public');
  assert.equal(entry.verified, true);
  assert.equal(entry.primary, true);
  assert.equal(typeof entry['created-date'].value, 'number');
});

test('§2.2 a private email is never returned: the empty case has last-modified-date null and email []', async () => {
  const body = (await get(`/pub-api/v3.0/${USERS.privateEmail}/email`)).json();
  assert.deepEqual(body, { 'last-modified-date': null, email: [], path: `/${USERS.privateEmail}/email` });
  const limited = await signIn(emu.app, { login_as: USERS.privateEmail, scope: '/read-limited' });
  assert.deepEqual(await emails(`/member-api/v3.0/${USERS.privateEmail}/email`, bearer(limited.access_token)), []);
});

test('§2.2 unverified emails never appear, even when public', async () => {
  assert.deepEqual(await emails(`/pub-api/v3.0/${USERS.unverifiedEmail}/email`), []);
});

test('§2.2 the Public API shows only public verified emails', async () => {
  assert.deepEqual(await emails(`/pub-api/v3.0/${USERS.severalEmails}/email`), ['liwei@example.org']);
});

test('§2.2 a Member /read-limited token for that record also sees limited emails', async () => {
  const tokens = await signIn(emu.app, { login_as: USERS.severalEmails, scope: '/read-limited' });
  assert.deepEqual(await emails(`/member-api/v3.0/${USERS.severalEmails}/email`, bearer(tokens.access_token)), [
    'li.wei@uni.example.edu',
    'liwei@example.org',
  ]);
});

test('§2.2 /read-limited on the Public API, or for another record, still gets only the public view', async () => {
  const tokens = await signIn(emu.app, { login_as: USERS.severalEmails, scope: '/read-limited' });
  assert.deepEqual(await emails(`/pub-api/v3.0/${USERS.severalEmails}/email`, bearer(tokens.access_token)), [
    'liwei@example.org',
  ]);
  const other = await signIn(emu.app, { login_as: USERS.publicEmail, scope: '/read-limited' });
  assert.deepEqual(await emails(`/member-api/v3.0/${USERS.severalEmails}/email`, bearer(other.access_token)), [
    'liwei@example.org',
  ]);
});

test('§2.2 an /authenticate token on the Member API reads the public view', async () => {
  const tokens = await signIn(emu.app, { login_as: USERS.severalEmails });
  assert.deepEqual(await emails(`/member-api/v3.0/${USERS.severalEmails}/email`, bearer(tokens.access_token)), [
    'liwei@example.org',
  ]);
});

test('§2.1 without Accept, or with */*, the API answers XML', async () => {
  for (const headers of [{}, { accept: '*/*' }] as Record<string, string>[]) {
    const res = await get(`/pub-api/v3.0/${USERS.publicEmail}/email`, headers);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /xml/);
    assert.ok(res.body.startsWith('<?xml'));
    assert.match(res.body, /josiah\.carberry@example\.edu/);
  }
});

test("§2.1 JSON is chosen when any JSON type is asked for; ORCID's own JSON types come pretty-printed", async () => {
  const mixed = await get(`/pub-api/v3.0/${USERS.publicEmail}/email`, { accept: 'application/json, text/plain, */*' });
  assert.match(String(mixed.headers['content-type']), /^application\/json/);
  const vnd = await get(`/pub-api/v3.0/${USERS.publicEmail}/email`, { accept: 'application/vnd.orcid+json' });
  assert.match(String(vnd.headers['content-type']), /^application\/vnd\.orcid\+json/);
  assert.match(vnd.body, /\n {2}"email"/);
});

test('§2.1 an Accept the API cannot produce is 406 / 9001 with no Content-Type', async () => {
  const res = await get(`/pub-api/v3.0/${USERS.publicEmail}/email`, { accept: 'text/csv' });
  assert.equal(res.statusCode, 406);
  assert.equal(res.headers['content-type'], undefined);
  assert.equal(JSON.parse(res.body)['error-code'], 9001);
});

test('§2.4 an unknown iD is 404 with the v3.0 error body, keys in order', async () => {
  const res = await get('/pub-api/v3.0/0000-0003-1234-5674/email');
  assert.equal(res.statusCode, 404);
  assert.deepEqual(Object.keys(res.json()), [
    'response-code',
    'developer-message',
    'user-message',
    'error-code',
    'more-info',
  ]);
  assert.equal(res.json()['error-code'], 9016);
  assert.equal(res.json()['response-code'], 404);
});

test('§1.10 reads do not validate the check digit: a bad one is simply 404 / 9016', async () => {
  const res = await get('/pub-api/v3.0/0000-0002-1825-0098/email');
  assert.equal(res.statusCode, 404);
  assert.equal(res.json()['error-code'], 9016);
});

test('§2.4 a bad bearer token is 401 invalid_token, OAuth-style, with the token echoed', async () => {
  const res = await get(`/member-api/v3.0/${USERS.publicEmail}/email`, bearer('deadbeef'));
  assert.equal(res.statusCode, 401);
  assert.deepEqual(res.json(), { error: 'invalid_token', error_description: 'Invalid access token: deadbeef' });
  assert.equal(res.headers['www-authenticate'], undefined);
  assert.equal(
    (await get(`/pub-api/v3.0/${USERS.publicEmail}/email`, bearer('deadbeef'))).statusCode,
    401,
    'Public API too',
  );
});

test('§2.4 the Member API without any token is 403 forbidden; the Public API reads anonymously', async () => {
  const member = await get(`/member-api/v3.0/${USERS.publicEmail}/email`);
  assert.equal(member.statusCode, 403);
  assert.equal(member.json().error, 'forbidden');
  assert.equal((await get(`/pub-api/v3.0/${USERS.publicEmail}/email`)).statusCode, 200);
});

test('§2.1 a client_credentials /read-public token reads the Member API public view', async () => {
  const cc = (
    await postForm(emu.app, '/oauth/token', {
      client_id: MEMBER.clientId,
      client_secret: MEMBER.clientSecret,
      grant_type: 'client_credentials',
      scope: '/read-public',
    })
  ).json();
  assert.deepEqual(await emails(`/member-api/v3.0/${USERS.severalEmails}/email`, bearer(cc.access_token)), [
    'liwei@example.org',
  ]);
});

test('§2.3 /person nests the emails container as "emails", with the person keys in order', async () => {
  const body = (await get(`/pub-api/v3.0/${USERS.publicEmail}/person`)).json();
  assert.deepEqual(Object.keys(body), [
    'last-modified-date',
    'name',
    'other-names',
    'biography',
    'researcher-urls',
    'emails',
    'addresses',
    'keywords',
    'external-identifiers',
    'path',
  ]);
  assert.equal(body.emails.email[0].email, 'josiah.carberry@example.edu');
  assert.equal(body.name['given-names'].value, 'Josiah');
  assert.equal(body.name['credit-name'], null);
  assert.equal(body.path, `/${USERS.publicEmail}/person`);
});

test('§2.3 a name that is not public is null in the public view and shown to a /read-limited member token', async () => {
  assert.equal((await get(`/pub-api/v3.0/${USERS.noPublicName}/person`)).json().name, null);
  const tokens = await signIn(emu.app, { login_as: USERS.noPublicName, scope: '/read-limited' });
  const body = (await get(`/member-api/v3.0/${USERS.noPublicName}/person`, bearer(tokens.access_token))).json();
  assert.equal(body.name['family-name'].value, 'Haddad');
  assert.equal(body.name.visibility, 'limited');
});

test('§2.3 /record carries orcid-identifier, preferences, history, person, activities-summary, path', async () => {
  const body = (await get(`/pub-api/v3.0/${USERS.publicEmail}/record`)).json();
  assert.deepEqual(Object.keys(body), [
    'orcid-identifier',
    'preferences',
    'history',
    'person',
    'activities-summary',
    'path',
  ]);
  assert.equal(body['orcid-identifier'].path, USERS.publicEmail);
  assert.equal(body.path, `/${USERS.publicEmail}`);
  assert.equal(body['activities-summary'].works.group.length, 1);
  const bare = (await get(`/pub-api/v3.0/${USERS.publicEmail}`)).json();
  assert.deepEqual(Object.keys(bare), Object.keys(body));
});

test('§2.3 /works groups work summaries and filters by visibility', async () => {
  const pub = (await get(`/pub-api/v3.0/${USERS.severalEmails}/works`)).json();
  assert.equal(pub.group.length, 1);
  const summary = pub.group[0]['work-summary'][0];
  assert.equal(summary.title.title.value, 'Open methods for open data');
  assert.equal(summary.type, 'journal-article');
  assert.equal(summary['publication-date'].year.value, '2023');
  assert.equal(summary.path, `/${USERS.severalEmails}/work/${summary['put-code']}`);
  assert.equal(pub.group[0]['external-ids']['external-id'][0]['external-id-type'], 'doi');
  const tokens = await signIn(emu.app, { login_as: USERS.severalEmails, scope: '/read-limited' });
  const member = (await get(`/member-api/v3.0/${USERS.severalEmails}/works`, bearer(tokens.access_token))).json();
  assert.equal(member.group.length, 2);
});

test('§2.4 an unrouted path under the API is 404 / 9001', async () => {
  const res = await get(`/pub-api/v3.0/${USERS.publicEmail}/no-such-section`);
  assert.equal(res.statusCode, 404);
  assert.equal(JSON.parse(res.body)['error-code'], 9001);
});
