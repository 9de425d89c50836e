// The member API's work writes as ORCID does them (ORCID-Source `MemberV3ApiServiceDelegatorImpl`,
// `WorkManagerImpl`, `ActivityValidator`, `OrcidCoreExceptionMapper`, api_en.properties).
import assert from 'node:assert/strict';
import { before, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  BASE,
  createTestEmulator,
  exchange,
  getCode,
  REDIRECT_URI,
  signIn,
  USERS,
  type TestEmulator,
} from './helpers.js';

let emu: TestEmulator;
before(async () => {
  emu = await createTestEmulator();
});
beforeEach(() => {
  emu.state.reset();
  emu.state.addClient({
    clientId: OTHER.clientId,
    clientSecret: OTHER.clientSecret,
    redirectUris: [REDIRECT_URI],
    member: true,
    name: 'Other Repository',
  });
});

const OTHER = { clientId: 'APP-OTHERREPOSITORY1', clientSecret: 'other-secret' };
const WRITE = '/read-limited /activities/update';
const ORCID_JSON = 'application/vnd.orcid+json';
const member = (orcid: string, path = '') => `/member-api/v3.0/${orcid}${path}`;

/** A token for `orcid` with the write scope, from the bundled member client (or `client`). */
async function writeToken(orcid: string = USERS.publicEmail, scope = WRITE, client = 'member'): Promise<string> {
  if (client === 'other') {
    const code = await getCode(emu.app, { login_as: orcid, scope, client_id: OTHER.clientId });
    const res = await exchange(emu.app, code, { client_id: OTHER.clientId, client_secret: OTHER.clientSecret });
    return res.json().access_token;
  }
  return (await signIn(emu.app, { login_as: orcid, scope })).access_token;
}

const work = (doi = '10.5555/lanyard-1', extra: Record<string, unknown> = {}) => ({
  title: { title: { value: 'Pushed through Lanyard' } },
  type: 'journal-article',
  'publication-date': { year: { value: '2025' }, month: { value: '03' } },
  'external-ids': {
    'external-id': [{ 'external-id-type': 'doi', 'external-id-value': doi, 'external-id-relationship': 'self' }],
  },
  ...extra,
});

function write(
  app: FastifyInstance,
  method: 'POST' | 'PUT' | 'DELETE',
  url: string,
  token: string | null,
  body?: unknown,
) {
  return app.inject({
    method,
    url,
    headers: {
      accept: ORCID_JSON,
      ...(body === undefined ? {} : { 'content-type': ORCID_JSON }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

async function post(token: string, body: unknown = work(), orcid: string = USERS.publicEmail) {
  const res = await write(emu.app, 'POST', member(orcid, '/work'), token, body);
  return { res, putCode: res.statusCode === 201 ? String(res.headers.location).split('/').pop()! : null };
}

const read = (url: string, token?: string) =>
  emu.app.inject({
    url,
    headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });

const errorOf = (res: { statusCode: number; json(): Record<string, unknown> }) => ({
  status: res.statusCode,
  code: res.json()['error-code'],
});

test('POST /work answers 201 with no body and Location = API base /v3.0/{iD}/work/{put-code}', async () => {
  const token = await writeToken();
  const { res, putCode } = await post(token);
  assert.equal(res.statusCode, 201);
  assert.equal(res.body, '');
  assert.match(putCode!, /^\d+$/);
  assert.equal(res.headers.location, `${BASE}/member-api/v3.0/${USERS.publicEmail}/work/${putCode}`);
});

test('a posted work is on the record with the client as source and the record default visibility', async () => {
  const token = await writeToken();
  const { putCode } = await post(token, work('10.5555/lanyard-1', { visibility: 'private' }));
  const one = await read(member(USERS.publicEmail, `/work/${putCode}`), token);
  assert.equal(one.statusCode, 200);
  const body = one.json();
  assert.deepEqual(Object.keys(body).slice(0, 6), [
    'created-date',
    'last-modified-date',
    'source',
    'put-code',
    'path',
    'title',
  ]);
  assert.deepEqual(body.source['source-client-id'], {
    uri: `${BASE}/client/APP-LANYARDDEMO00001`,
    path: 'APP-LANYARDDEMO00001',
    host: new URL(BASE).host,
  });
  assert.equal(body.source['source-name'].value, 'Lanyard demo (member client)');
  assert.equal(body.source['source-orcid'], null);
  assert.equal(body.visibility, 'public', "the client's visibility is ignored on a claimed record");
  assert.deepEqual(body['publication-date'], { year: { value: '2025' }, month: { value: '03' }, day: null });

  const pub = (await read(`/pub-api/v3.0/${USERS.publicEmail}/works`)).json();
  const summaries = pub.group.flatMap((g: { 'work-summary': { 'put-code': number }[] }) => g['work-summary']);
  assert.ok(
    summaries.some((s: { 'put-code': number }) => String(s['put-code']) === putCode),
    'the public sees it',
  );
});

test('a second POST with the same self external id from the same client is 409 / 9021 naming the put-code', async () => {
  const token = await writeToken();
  const { putCode } = await post(token);
  // ORCID normalises before comparing: a DOI's case and resolver prefix do not make it new.
  const again = await post(token, work('https://doi.org/10.5555/LANYARD-1'));
  assert.deepEqual(errorOf(again.res), { status: 409, code: 9021 });
  const body = again.res.json();
  assert.deepEqual(Object.keys(body), [
    'response-code',
    'developer-message',
    'user-message',
    'error-code',
    'more-info',
  ]);
  assert.equal(
    body['developer-message'],
    `409 Conflict: You have already added this activity (matched by external identifiers), please see element with put-code ${putCode}. If you are trying to edit the item, please use PUT instead of POST.`,
  );
  assert.match(body['user-message'], /contact Lanyard demo \(member client\) for assistance/);
});

test('another client may add the same DOI: no conflict, and ORCID groups both copies', async () => {
  await post(await writeToken());
  const other = await post(await writeToken(USERS.publicEmail, WRITE, 'other'));
  assert.equal(other.res.statusCode, 201);
  const works = (await read(`/pub-api/v3.0/${USERS.publicEmail}/works`)).json();
  const group = works.group.find((g: { 'work-summary': unknown[] }) => g['work-summary'].length === 2);
  assert.ok(group, 'one group holds both sources');
  assert.deepEqual(
    group['work-summary']
      .map((s: { source: { 'source-name': { value: string } } }) => s.source['source-name'].value)
      .sort(),
    ['Lanyard demo (member client)', 'Other Repository'],
  );
});

test('PUT /work/{put-code} updates the work and answers 200 with it', async () => {
  const token = await writeToken();
  const { putCode } = await post(token);
  const res = await write(emu.app, 'PUT', member(USERS.publicEmail, `/work/${putCode}`), token, {
    ...work(),
    'put-code': Number(putCode),
    title: { title: { value: 'A better title' } },
  });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/vnd\.orcid\+json/);
  assert.equal(res.json().title.title.value, 'A better title');
  assert.equal(String(res.json()['put-code']), putCode);
  const works = (await read(member(USERS.publicEmail, '/works'), token)).json();
  assert.equal(
    works.group.filter((g: { 'work-summary': { title: { title: { value: string } } }[] }) =>
      g['work-summary'].some((s) => s.title.title.value === 'A better title'),
    ).length,
    1,
    'updated in place, not added',
  );
});

test("PUT needs the body's put-code to be the URL's (400 / 9019); POST refuses one (400 / 9024)", async () => {
  const token = await writeToken();
  const { putCode } = await post(token);
  const missing = await write(emu.app, 'PUT', member(USERS.publicEmail, `/work/${putCode}`), token, work());
  assert.deepEqual(errorOf(missing), { status: 400, code: 9019 });
  assert.match(
    missing.json()['developer-message'],
    new RegExp(`URL was ${putCode} whereas the one in the body was null`),
  );
  const withCode = await post(token, { ...work('10.5555/other'), 'put-code': 12 });
  assert.deepEqual(errorOf(withCode.res), { status: 400, code: 9024 });
});

test('DELETE /work/{put-code} answers 204 and the work is gone: 404 / 9016 afterwards', async () => {
  const token = await writeToken();
  const { putCode } = await post(token);
  const res = await write(emu.app, 'DELETE', member(USERS.publicEmail, `/work/${putCode}`), token);
  assert.equal(res.statusCode, 204);
  assert.equal(res.body, '');
  assert.deepEqual(errorOf(await read(member(USERS.publicEmail, `/work/${putCode}`), token)), {
    status: 404,
    code: 9016,
  });
  assert.deepEqual(errorOf(await write(emu.app, 'DELETE', member(USERS.publicEmail, `/work/${putCode}`), token)), {
    status: 404,
    code: 9016,
  });
  assert.equal((await post(token)).res.statusCode, 201, 'the same DOI may be added again');
});

test('only the source may change a work: another client, or a user-added work, is 403 / 9010', async () => {
  const { putCode } = await post(await writeToken());
  const other = await writeToken(USERS.publicEmail, WRITE, 'other');
  const url = member(USERS.publicEmail, `/work/${putCode}`);
  assert.deepEqual(errorOf(await write(emu.app, 'PUT', url, other, { ...work(), 'put-code': Number(putCode) })), {
    status: 403,
    code: 9010,
  });
  assert.deepEqual(errorOf(await write(emu.app, 'DELETE', url, other)), { status: 403, code: 9010 });
  const own = emu.state.users.get(USERS.publicEmail)!.works.find((w) => w.source.kind === 'user')!;
  assert.deepEqual(errorOf(await write(emu.app, 'DELETE', member(USERS.publicEmail, `/work/${own.putCode}`), other)), {
    status: 403,
    code: 9010,
  });
});

test('invalid works are 400 with the v3 error body and the code of the check that failed', async () => {
  const token = await writeToken();
  const ids = (list: unknown[]) => ({ 'external-ids': { 'external-id': list } });
  const cases: [string, unknown, number, RegExp?][] = [
    ['no title', { ...work(), title: { title: { value: ' ' } } }, 9022],
    ['no type', { ...work(), type: undefined }, 9037, /Invalid work type, valid values are: annotation/],
    ['an unknown type', { ...work(), type: 'journal-paper' }, 9051, /invalid value 'journal-paper' for enum/],
    ['no external id', { ...work(), ...ids([]) }, 9023],
    [
      'no self external id',
      {
        ...work(),
        ...ids([{ 'external-id-type': 'doi', 'external-id-value': '10.1/x', 'external-id-relationship': 'part-of' }]),
      },
      9023,
      /At least one identifier with 'self' relationship is required/,
    ],
    [
      'an unknown external id type',
      {
        ...work(),
        ...ids([{ 'external-id-type': 'dooi', 'external-id-value': '10.1/x', 'external-id-relationship': 'self' }]),
      },
      9023,
      /Invalid external-id  dooi/,
    ],
    ['a three-digit year', { ...work(), 'publication-date': { year: { value: '202' } } }, 9020, /four digits/],
    ['not JSON', '{"title":', 9001],
  ];
  for (const [what, body, code, message] of cases) {
    const res = (await post(token, body)).res;
    assert.deepEqual(errorOf(res), { status: 400, code }, what);
    if (message) assert.match(res.json()['developer-message'], message, what);
  }
  assert.equal(emu.state.users.get(USERS.publicEmail)!.works.length, 1, 'nothing was added');
});

test('a write needs a live token for this record with /activities/update', async () => {
  const readOnly = await writeToken(USERS.publicEmail, '/read-limited');
  const scope = await post(readOnly);
  assert.deepEqual(errorOf(scope.res), { status: 403, code: 9038 });
  assert.match(scope.res.json()['developer-message'], /^409 Conflict: The item has a limited or private visibility/);

  const otherRecord = await post(await writeToken(USERS.severalEmails));
  assert.deepEqual(errorOf(otherRecord.res), { status: 401, code: 9017 });

  const anonymous = await write(emu.app, 'POST', member(USERS.publicEmail, '/work'), null, work());
  assert.equal(anonymous.statusCode, 403);
  assert.equal(anonymous.json().error, 'forbidden');

  const token = await writeToken();
  const { putCode } = await post(token);
  emu.state.tokens.revoke(emu.state.tokens.byAccessToken(token, emu.state.now())!);
  for (const res of [
    (await post(token, work('10.5555/after-revoke'))).res,
    await write(emu.app, 'DELETE', member(USERS.publicEmail, `/work/${putCode}`), token),
  ]) {
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json(), { error: 'invalid_token', error_description: `Invalid access token: ${token}` });
  }
});

test('an update may not change the visibility the researcher chose (403 / 9035); the Public API has no writes', async () => {
  const token = await writeToken();
  const { putCode } = await post(token);
  const res = await write(emu.app, 'PUT', member(USERS.publicEmail, `/work/${putCode}`), token, {
    ...work(),
    'put-code': Number(putCode),
    visibility: 'private',
  });
  assert.deepEqual(errorOf(res), { status: 403, code: 9035 });
  const pub = await write(emu.app, 'POST', `/pub-api/v3.0/${USERS.publicEmail}/work`, token, work('10.5555/pub'));
  assert.equal(pub.statusCode, 404);
  assert.equal(JSON.parse(pub.body)['error-code'], 9001);
});

test('one work by put-code: hidden from others when not public, always visible to its source', async () => {
  const { orcid } = emu.state.addUser({ givenNames: 'Ada', activitiesVisibilityDefault: 'limited' });
  const token = await writeToken(orcid);
  const { putCode } = await post(token, work(), orcid);
  const path = `/v3.0/${orcid}/work/${putCode}`;
  assert.equal((await read(`/member-api${path}`, token)).json().visibility, 'limited');
  assert.deepEqual(errorOf(await read(`/pub-api${path}`)), { status: 403, code: 9039 });
  const other = await writeToken(orcid, '/authenticate', 'other');
  assert.deepEqual(errorOf(await read(`/member-api${path}`, other)), { status: 403, code: 9013 });
});

test('rate limiting (503) and faults apply to writes as to reads', async () => {
  const token = await writeToken();
  emu.state.setFaults({ api: { status: 503, times: 1 } });
  assert.equal((await post(token)).res.statusCode, 503);
  assert.equal(emu.state.users.get(USERS.publicEmail)!.works.length, 1, 'a refused write changes nothing');
  assert.equal((await post(token)).res.statusCode, 201);
});

test('a lost response: the write takes effect but the client gets no answer', async () => {
  const token = await writeToken();
  emu.state.setFaults({ api: { loseResponse: true, times: 1 } });
  await assert.rejects(post(token));
  assert.equal(emu.state.users.get(USERS.publicEmail)!.works.length, 2, 'the work was added');
  const again = await post(token);
  assert.deepEqual(errorOf(again.res), { status: 409, code: 9021 }, 'a retried POST finds its own work');
});

test('employments, educations and fundings in their v3.0 shapes, limited ones only with /read-limited', async () => {
  const employments = (await read(`/pub-api/v3.0/${USERS.publicEmail}/employments`)).json();
  const summary = employments['affiliation-group'][0].summaries[0]['employment-summary'];
  assert.equal(summary.organization.name, 'Wesleyan University');
  assert.equal(summary['role-title'], 'Professor');
  assert.deepEqual(summary['start-date'], { year: { value: '1998' }, month: null, day: null });
  assert.equal(summary.path, `/${USERS.publicEmail}/employment/${summary['put-code']}`);
  const educations = (await read(`/pub-api/v3.0/${USERS.publicEmail}/educations`)).json();
  assert.equal(
    educations['affiliation-group'][0].summaries[0]['education-summary'].organization.name,
    'Brown University',
  );
  const fundings = (await read(`/pub-api/v3.0/${USERS.publicEmail}/fundings`)).json();
  assert.equal(fundings.group[0]['funding-summary'][0].title.title.value, 'Fractures in everyday pottery');
  assert.equal(fundings.group[0]['external-ids']['external-id'][0]['external-id-type'], 'grant_number');

  const limited = `/v3.0/${USERS.severalEmails}/employments`;
  assert.equal((await read(`/pub-api${limited}`)).json()['affiliation-group'].length, 0);
  const token = await writeToken(USERS.severalEmails, '/read-limited');
  assert.equal((await read(`/member-api${limited}`, token)).json()['affiliation-group'].length, 1);
  const record = (await read(`/member-api/v3.0/${USERS.severalEmails}/record`, token)).json();
  assert.deepEqual(Object.keys(record['activities-summary']), [
    'last-modified-date',
    'distinctions',
    'educations',
    'employments',
    'fundings',
    'invited-positions',
    'memberships',
    'peer-reviews',
    'qualifications',
    'research-resources',
    'services',
    'works',
    'path',
  ]);
});

test('the public record page lists public works with their source', async () => {
  const token = await writeToken();
  await post(token);
  const page = await emu.app.inject(`/${USERS.publicEmail}`);
  assert.match(
    page.body,
    /<cite>Pushed through Lanyard<\/cite> \(2025\) — journal-article; doi: 10\.5555\/lanyard-1\. <small>Source: Lanyard demo \(member client\)<\/small>/,
  );
  assert.match(page.body, /Source: Josiah Carberry/);
});
