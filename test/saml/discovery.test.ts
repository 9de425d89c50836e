import { onwardFrom } from '../support/browser.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Backend, backends, skipReason } from '../support/databases.js';
import { signWithXmlsec1, writeAggregate } from '../support/federation.js';
import { createPasswordAccount, signInWithPassword } from '../support/orcid.js';
import { type SamlIdp, startSamlIdp, testKeys } from '../support/saml-idp.js';
import { samlPeersMissing } from '../support/saml-peers.js';
import {
  addSamlUser,
  answerAtIdp,
  postToAcs,
  resign,
  responseXml,
  spKeys,
  withResponse,
} from '../support/saml-sign-in.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const FEDERATION = testKeys(0);

interface FedContext {
  app: TestApp;
  a: SamlIdp;
  b: SamlIdp;
}

/**
 * A federation entry: a signed aggregate with 30 generated IdPs and two real pysaml2 IdPs,
 * University A and University B; `fed` trusts no emails, `fed-trust` trusts University A's only.
 */
function forEachBackendWithFederation(name: string, body: (ctx: () => FedContext, backend: Backend) => void) {
  const missing = samlPeersMissing();
  for (const backend of backends()) {
    describe(`${name} [${backend}]`, async () => {
      const reason = missing || (await skipReason(backend));
      let ctx: FedContext | undefined;
      let dir = '';
      if (!reason) {
        before(async () => {
          dir = mkdtempSync(join(tmpdir(), 'lanyard-fed-'));
          const a = await startSamlIdp({ displayName: 'University A', scopes: ['uni-a.example'] });
          const b = await startSamlIdp({ displayName: 'University B', scopes: ['uni-b.example'] });
          try {
            const entities = await Promise.all([a, b].map(async (idp) => (await fetch(idp.metadataUrl)).text()));
            await writeAggregate(join(dir, 'unsigned.xml'), { idps: 30, entities, id: '_fed' });
            await signWithXmlsec1(join(dir, 'unsigned.xml'), join(dir, 'aggregate.xml'), FEDERATION);
            const entry = (id: string, extra: Record<string, unknown> = {}) => ({
              id,
              type: 'saml',
              label: { en: 'Example Federation', de: 'Beispiel-Föderation' },
              federationMetadataFile: join(dir, 'aggregate.xml'),
              federationCert: FEDERATION.certificate,
              ...spKeys(),
              ...extra,
            });
            const providers = [
              entry('fed'),
              entry('fed-trust', { label: 'Trusting Federation', trustEmail: true, trustEmailFrom: [a.entityId] }),
            ];
            const app = await createTestApp(backend, { LANYARD_PROVIDERS: JSON.stringify(providers) });
            ctx = { app, a, b };
            for (const p of providers) {
              const metadata = await app.browser().get(`/auth/${p.id}/metadata`);
              for (const idp of [a, b]) await idp.trustSp(metadata.body);
            }
          } catch (e) {
            await ctx?.app.close();
            await a.close();
            await b.close();
            throw e;
          }
        });
        after(async () => {
          await ctx?.app.close();
          await ctx?.a.close();
          await ctx?.b.close();
          if (dir) rmSync(dir, { recursive: true, force: true });
        });
      }
      describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
        body(() => {
          if (!ctx) throw new Error('test app not started');
          return ctx;
        }, backend);
      });
    });
  }
}

const decode = (s: string) => s.replace(/&amp;/g, '&');

forEachBackendWithFederation('choosing an institution of a federation', (ctx) => {
  /** GET /auth/{id} (or the link form) → the discovery page. */
  const discovery = async (
    browser: ReturnType<TestApp['browser']>,
    opts: { provider?: string; form?: boolean } = {},
  ) => {
    const provider = opts.provider ?? 'fed';
    let url: string;
    if (opts.form) url = onwardFrom(await browser.post(`/profile/link/${provider}`, {}));
    else {
      const start = await browser.get(`/auth/${provider}?returnTo=%2Fprofile`);
      assert.equal(start.status, 303, start.body.slice(0, 300));
      url = start.location!;
    }
    assert.match(url, new RegExp(`^/auth/${provider}/discovery\\?flow=`));
    const page = await browser.get(url);
    assert.equal(page.status, 200, page.body.slice(0, 300));
    return { url, page };
  };
  /** The discovery page's link for an IdP, followed: the AuthnRequest to that IdP. */
  const choose = async (browser: ReturnType<TestApp['browser']>, body: string, idp: SamlIdp) => {
    const href = [...body.matchAll(/<a class="idp" href="([^"]+)"/g)]
      .map((m) => decode(m[1]!))
      .find((h) => new URL(h, 'http://x').searchParams.get('idp') === idp.entityId);
    assert.ok(href, `the page lists ${idp.entityId}`);
    const sent = await browser.get(href);
    assert.equal(sent.status, 303, sent.body.slice(0, 300));
    assert.ok(sent.location!.startsWith(`${idp.baseUrl}/sso/redirect?`), sent.location);
    return sent.location!;
  };

  test('an entry with several IdPs shows the discovery page: all institutions listed, searchable without JavaScript, in both languages', async () => {
    const { app } = ctx();
    const browser = app.browser();
    const { url, page } = await discovery(browser);
    assert.match(page.body, /Choose your institution/);
    // Institutions' logos are https URLs of their own: this page lets such images in, others do not.
    assert.match(String(page.headers['content-security-policy']), /img-src 'self' data: https:;/);
    const login = await app.browser().get('/login');
    assert.match(String(login.headers['content-security-policy']), /img-src 'self' data:;/);
    assert.match(page.body, /Example Federation/);
    assert.match(page.body, /University A/);
    assert.match(page.body, /University B/);
    const search = await browser.get(
      `/auth/fed/discovery?flow=${encodeURIComponent(new URL(url, 'http://x').searchParams.get('flow')!)}&q=${encodeURIComponent('uni-b.example')}`,
    );
    assert.equal(search.status, 200);
    assert.match(search.body, /University B/);
    assert.doesNotMatch(search.body, /<span class="idp-name">University A</);
    const typeAhead = await browser.get(
      `/auth/fed/discovery/idps?flow=${encodeURIComponent(new URL(url, 'http://x').searchParams.get('flow')!)}&q=University+B`,
      { accept: 'application/json' },
    );
    assert.equal(typeAhead.status, 200);
    assert.match(typeAhead.json<{ html: string }>().html, /University B/);
    assert.match(page.body, /<script src="\/assets\/saml-discovery\.js" defer><\/script>/);
    const script = await browser.get('/assets/saml-discovery.js');
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /javascript/);
    assert.match(script.body, /discovery|idps/);
    const de = await browser.get(`${url}&lang=de`);
    assert.match(de.body, /Beispiel-Föderation/);
  });

  test('choosing University A signs in there; the page then remembers it on this device', async () => {
    const { app, a } = ctx();
    const user = await addSamlUser(a, { mail: ['chooser@uni-a.example'] });
    const browser = app.browser();
    const { page } = await discovery(browser);
    assert.doesNotMatch(page.body, /Used before on this device/);
    const sso = await choose(browser, page.body, a);
    const { callback } = await postToAcs(app, browser, await answerAtIdp(browser, sso, user));
    assert.equal(callback?.status, 303);
    assert.match(callback!.location!, /^\/external-login\//);
    const reg = await app.lanyard.db
      .selectFrom('registration')
      .selectAll()
      .where('subject', '=', `${a.entityId} persistent:p-${user}`)
      .executeTakeFirst();
    assert.equal(reg?.provider, 'fed');
    const again = await discovery(browser);
    assert.match(again.page.body, /Used before on this device/);
    const recent = again.page.body.slice(again.page.body.indexOf('Used before'), again.page.body.indexOf('<form'));
    assert.match(recent, /University A/);
    assert.doesNotMatch(recent, /University B/);
  });

  test('?idp= picks an IdP directly; an IdP outside the federation is refused', async () => {
    const { app, b } = ctx();
    const start = await app.browser().get(`/auth/fed?idp=${encodeURIComponent(b.entityId)}`);
    assert.equal(start.status, 303);
    assert.ok(start.location!.startsWith(`${b.baseUrl}/sso/redirect?`));
    const unknown = await app.browser().get(`/auth/fed?idp=${encodeURIComponent('https://idp.nowhere.example/idp')}`);
    assert.equal(unknown.status, 400);
    assert.match(unknown.body, /SAML_IDP_UNKNOWN/);
  });

  test('a member whose metadata gives a sign-in endpoint that is not https is sent nobody (400 SAML_IDP_UNKNOWN)', async () => {
    const { app } = ctx();
    const members = await app.lanyard.db
      .selectFrom('saml_idp')
      .select('entity_id')
      .where('provider', '=', 'fed')
      .where('sso_redirect', 'like', 'https://%')
      .orderBy('entity_id')
      .limit(2)
      .execute();
    assert.equal(members.length, 2);
    for (const [i, endpoint] of ['javascript:alert(document.domain)', 'http://idp.elsewhere.example/sso'].entries()) {
      const entityId = members[i]!.entity_id;
      await app.lanyard.db
        .updateTable('saml_idp')
        .set({ sso_redirect: endpoint })
        .where('provider', '=', 'fed')
        .where('entity_id', '=', entityId)
        .execute();
      const start = await app.browser().get(`/auth/fed?idp=${encodeURIComponent(entityId)}`);
      assert.equal(start.status, 400, `${endpoint}: ${start.status} ${start.location}`);
      assert.match(start.body, /SAML_IDP_UNKNOWN/);
      assert.equal(start.location, undefined);
      assert.ok(!start.body.includes(endpoint), 'the endpoint is nowhere on the page');
    }
  });

  test('linking from the account page goes through the discovery page and stays a link', async () => {
    const { app, b } = ctx();
    const account = await createPasswordAccount(app, 'fed.linker@uni-b.example');
    const user = await addSamlUser(b, {});
    const browser = app.browser();
    await signInWithPassword(browser, 'fed.linker@uni-b.example');
    await browser.get('/profile');
    const { page } = await discovery(browser, { form: true });
    const sso = await choose(browser, page.body, b);
    const { callback } = await postToAcs(app, browser, await answerAtIdp(browser, sso, user));
    assert.equal(callback?.location, '/profile');
    const [identity] = await app.lanyard.db
      .selectFrom('identity')
      .selectAll()
      .where('subject', '=', `${b.entityId} persistent:p-${user}`)
      .execute();
    assert.equal(identity?.account_id, account.id);
    assert.equal(identity?.provider, 'fed');
  });

  test('a forged flow, or a link flow in another session, is refused (400 SAML_FLOW_INVALID), nothing sent', async () => {
    const { app, a } = ctx();
    const forged = await app
      .browser()
      .get(`/auth/fed/choose?idp=${encodeURIComponent(a.entityId)}&flow=eyJpIjoibGluayJ9.AAAA`);
    assert.equal(forged.status, 400);
    assert.match(forged.body, /SAML_FLOW_INVALID/);
    await createPasswordAccount(app, 'flow.owner@uni-a.example');
    const owner = app.browser();
    await signInWithPassword(owner, 'flow.owner@uni-a.example');
    await owner.get('/profile');
    const { url } = await discovery(owner, { form: true });
    const flow = new URL(url, 'http://x').searchParams.get('flow')!;
    const other = app.browser();
    const refused = await other.get(
      `/auth/fed/choose?idp=${encodeURIComponent(a.entityId)}&flow=${encodeURIComponent(flow)}`,
    );
    assert.equal(refused.status, 400);
    assert.match(refused.body, /SAML_FLOW_INVALID/);
  });

  test('an assertion signed by another IdP of the federation is refused: claiming University A with B’s key, or B’s own answer to A’s request', async () => {
    const { app, a, b } = ctx();
    const user = await addSamlUser(a, {});
    const userB = await addSamlUser(b, {});
    const browser = app.browser();
    const toA = (await app.browser().get(`/auth/fed?idp=${encodeURIComponent(a.entityId)}`)).location!;
    const genuine = await answerAtIdp(browser, toA, user, { encrypt: '0' });
    // B's key over A's response (B is trusted — for B's own people only).
    const forged = await resign(responseXml(genuine), b.keys);
    const before = await app.lanyard.db.selectFrom('identity').select('id').execute();
    const signedByB = await app.browser().post('/auth/fed/acs', withResponse(genuine, forged).fields);
    assert.equal(signedByB.status, 403);
    assert.match(signedByB.body, /SAML_SIGNATURE_INVALID/);
    assert.match(signedByB.body, /University A/);
    // B's genuine response, re-pointed at a request that went to A and signed by B.
    const toB = (await app.browser().get(`/auth/fed?idp=${encodeURIComponent(b.entityId)}`)).location!;
    const fromB = await answerAtIdp(app.browser(), toB, userB, { encrypt: '0' });
    const aRequest = responseXml(genuine).match(/InResponseTo="([^"]+)"/)![1]!;
    const xml = responseXml(fromB).replace(/InResponseTo="[^"]+"/g, `InResponseTo="${aRequest}"`);
    const page = await app.browser().post('/auth/fed/acs', withResponse(fromB, await resign(xml, b.keys)).fields);
    assert.equal(page.status, 403);
    assert.match(page.body, /SAML_ISSUER_MISMATCH/);
    assert.equal((await app.lanyard.db.selectFrom('identity').select('id').execute()).length, before.length);
  });

  test('trustEmail for a federation counts only for the listed IdPs: University A’s email links, University B’s does not', async () => {
    const { app, a, b } = ctx();
    const fromA = await createPasswordAccount(app, 'listed@uni-a.example');
    await createPasswordAccount(app, 'unlisted@uni-b.example');
    const userA = await addSamlUser(a, { mail: ['listed@uni-a.example'] });
    const userB = await addSamlUser(b, { mail: ['unlisted@uni-b.example'] });
    const browserA = app.browser();
    const startA = await browserA.get(`/auth/fed-trust?idp=${encodeURIComponent(a.entityId)}&returnTo=%2Fprofile`);
    const landed = await postToAcs(app, browserA, await answerAtIdp(browserA, startA.location!, userA));
    assert.equal(landed.callback?.location, '/profile');
    const [identityA] = await app.lanyard.db
      .selectFrom('identity')
      .selectAll()
      .where('subject', '=', `${a.entityId} persistent:p-${userA}`)
      .execute();
    assert.equal(identityA?.account_id, fromA.id);
    const browserB = app.browser();
    const startB = await browserB.get(`/auth/fed-trust?idp=${encodeURIComponent(b.entityId)}`);
    const landedB = await postToAcs(app, browserB, await answerAtIdp(browserB, startB.location!, userB));
    assert.match(landedB.callback!.location!, /^\/external-login\//);
    assert.equal(
      (
        await app.lanyard.db
          .selectFrom('identity')
          .select('id')
          .where('subject', '=', `${b.entityId} persistent:p-${userB}`)
          .execute()
      ).length,
      0,
    );
  });

  test('an eppn with the other university’s scope is refused: University A cannot vouch for uni-b.example', async () => {
    const { app, a } = ctx();
    const user = await addSamlUser(a, { eduPersonPrincipalName: ['dean@uni-b.example'] });
    const browser = app.browser();
    const sso = (await browser.get(`/auth/fed?idp=${encodeURIComponent(a.entityId)}`)).location!;
    const post = await answerAtIdp(browser, sso, user, { nameid: 'transient' });
    const page = await app.browser().post('/auth/fed/acs', post.fields);
    assert.equal(page.status, 403);
    assert.match(page.body, /SAML_SCOPE_FOREIGN/);
    assert.match(page.body, /University A/);
  });
});
