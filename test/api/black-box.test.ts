import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eachBackend } from '../support/durable-store.js';
import { linkIn } from '../support/mail-catcher.js';
import { createListeningTestApp } from '../support/listening-app.js';
import type { Page } from '../support/browser.js';
import { addOrcidUser } from '../support/orcid.js';
import { type TestApp, withOrcid } from '../support/test-app.js';
import { OpenApiCheck } from './support/openapi-check.js';

/**
 * What `curl -b jar -c jar` does, nothing more: real HTTP to a listening Lanyard and the ORCID
 * emulator, cookies kept per host, redirects not followed. Every /api answer is checked against the
 * /api/openapi.json the server itself serves.
 */
class Curl {
  private readonly jar = new Map<string, Map<string, string>>();
  check: OpenApiCheck | undefined;

  async request(
    method: string,
    url: string,
    opts: { body?: string; headers?: Record<string, string> } = {},
  ): Promise<Page> {
    const target = new URL(url);
    const cookies = this.jar.get(target.host) ?? new Map<string, string>();
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(target, {
      method,
      redirect: 'manual',
      body: opts.body,
      headers: { accept: 'application/json', ...(cookie ? { cookie } : {}), ...opts.headers },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const [name, ...value] = pair!.split('=');
      const gone = attrs.some((a) => /^\s*max-age=0/i.test(a)) || value.join('=') === '';
      if (gone) cookies.delete(name!.trim());
      else cookies.set(name!.trim(), value.join('='));
    }
    this.jar.set(target.host, cookies);
    const body = await res.text();
    const page: Page = {
      status: res.status,
      url,
      headers: Object.fromEntries(res.headers),
      body,
      location: res.headers.get('location') ?? undefined,
      json: () => JSON.parse(body),
    };
    if (this.check && target.pathname.startsWith('/api/')) this.check.check(method, target.pathname, page);
    return page;
  }
}

eachBackend('black box: the private-email ORCID flow through the REST API alone', (backend) => {
  let app: TestApp & { url: string };
  before(async () => {
    app = await createListeningTestApp(backend, withOrcid);
  });
  after(async () => {
    await app?.close();
  });

  /** ORCID sign-in as curl does it: start → emulator (headless login_as) → callback. */
  async function orcidSignIn(curl: Curl, orcid: string): Promise<Page> {
    const start = await curl.request('GET', `${app.url}/api/authn/orcid/start?redirectUrl=/api/authn/status`);
    assert.equal(start.status, 302);
    const authorize = new URL(start.location!);
    authorize.searchParams.set('login_as', orcid);
    const granted = await curl.request('GET', authorize.href);
    assert.equal(granted.status, 302, granted.body);
    return curl.request('GET', granted.location!);
  }

  const token = (link: string) => new URL(link, app.url).pathname.split('/').pop()!;
  const mailedLink = async (to: string, path: string) =>
    linkIn(await app.mail.waitFor(to, (m) => m.text.includes(path)), path);
  const json = { 'content-type': 'application/json' };

  async function newCurl() {
    const curl = new Curl();
    const doc = await curl.request('GET', `${app.url}/api/openapi.json`);
    curl.check = new OpenApiCheck(doc.json());
    return curl;
  }

  /** Callback → registration → PATCH the email → the mailed link's token. */
  async function registerWithEmail(curl: Curl, orcid: string, email: string, path: string) {
    const back = await orcidSignIn(curl, orcid);
    assert.equal(back.status, 303);
    assert.match(back.location!, /^\/external-login\/[A-Za-z0-9_-]{43}$/);
    const found = await curl.request(
      'GET',
      `${app.url}/api/eperson/registrations/search/findByToken?token=${token(back.location!)}`,
    );
    const registration = found.json();
    assert.deepEqual([registration.email, registration.netId, registration.registrationType], [null, orcid, 'ORCID']);
    const patched = await curl.request(
      'PATCH',
      `${app.url}/api/eperson/registrations/${registration.id}?token=${token(back.location!)}`,
      {
        body: JSON.stringify([{ op: 'add', path: '/email', value: email }]),
        headers: { 'content-type': 'application/json-patch+json' },
      },
    );
    assert.equal(patched.status, 204);
    return token(await mailedLink(email, path));
  }

  async function landsIn(curl: Curl, orcid: string, accountId: string) {
    const back = await orcidSignIn(curl, orcid);
    assert.deepEqual([back.status, back.location], [303, '/api/authn/status']);
    const status = (await curl.request('GET', `${app.url}/api/authn/status`)).json();
    assert.deepEqual(
      [status.authenticated, status._embedded.eperson.id, status._embedded.eperson.netid],
      [true, accountId, orcid],
    );
  }

  test('private email, a new address: PATCH → EXTERNAL link → create → ORCID sign-in lands in the new account', async () => {
    const orcid = addOrcidUser(app, {
      givenNames: 'Josiah',
      familyName: 'Carberry',
      emails: [{ email: 'josiah@private.example', visibility: 'private', verified: true }],
    });
    const curl = await newCurl();
    const t2 = await registerWithEmail(curl, orcid, 'josiah.carberry@uni.example', '/external-login/');
    const created = await curl.request('POST', `${app.url}/api/eperson/epersons?token=${t2}`, {
      body: '{}',
      headers: json,
    });
    assert.equal(created.status, 201);
    assert.deepEqual([created.json().email, created.json().netid], ['josiah.carberry@uni.example', orcid]);
    await landsIn(await newCurl(), orcid, created.json().id);
  });

  test('private email, the address of an existing account: PATCH → VALIDATION link → anonymous merge → ORCID sign-in lands in that account', async () => {
    const curl = await newCurl();
    // The existing account, made through the API too: register → mailed link → create with a password.
    const email = 'existing.researcher@uni.example';
    assert.equal(
      (
        await curl.request('POST', `${app.url}/api/eperson/registrations?accountRequestType=register`, {
          body: JSON.stringify({ email }),
          headers: json,
        })
      ).status,
      201,
    );
    const registerToken = token(await mailedLink(email, '/register/'));
    const account = await curl.request('POST', `${app.url}/api/eperson/epersons?token=${registerToken}`, {
      body: JSON.stringify({
        email,
        password: 'correct horse battery',
        metadata: { 'eperson.firstname': [{ value: 'Old' }], 'eperson.lastname': [{ value: 'Name' }] },
      }),
      headers: json,
    });
    assert.equal(account.status, 201);

    const orcid = addOrcidUser(app, {
      givenNames: 'New',
      familyName: 'Name',
      emails: [{ email: 'hidden@private.example', visibility: 'private', verified: true }],
    });
    const t2 = await registerWithEmail(curl, orcid, email, '/review-account/');
    const review = (
      await curl.request('GET', `${app.url}/api/eperson/registrations/search/findByToken?token=${t2}`)
    ).json();
    assert.deepEqual([review.registrationType, review.user], ['VALIDATION_ORCID', account.json().id]);
    const merged = await curl.request(
      'POST',
      `${app.url}/api/eperson/epersons/${review.user}?token=${t2}&override=eperson.firstname`,
    );
    assert.equal(merged.status, 201);
    assert.deepEqual([merged.json().metadata['eperson.firstname'][0].value, merged.json().netid], ['New', orcid]);
    await landsIn(await newCurl(), orcid, account.json().id);
  });
});
