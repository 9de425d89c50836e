import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorCode } from '../../src/errors.js';
import type { AddressClient, Answer } from '../support/address-client.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { assertRefused } from '../support/refusals.js';
import { PROXY_SOURCE, released } from '../support/shibboleth-proxy.js';
import { forEachBackendBehindShibboleth, LAB, person, SECRET, signInThroughProxy, UNI } from './support.js';

const html = { accept: 'text/html' };

function refusedWith(answer: Answer, status: number, code: ErrorCode) {
  assert.equal(answer.status, status, `expected ${status} ${code}, got ${answer.status}: ${answer.body.slice(0, 300)}`);
  assert.equal(answer.body.match(/data-error-code="([A-Z_]+)"/)?.[1], code);
}

/**
 * Attacks on header mode: each must fail to get in and write nothing. Forged requests go straight
 * to Lanyard's port (from an untrusted address, or from the proxy's own address without the
 * secret); the rest go through HAProxy, the honest peer, which clears what clients write.
 */
forEachBackendBehindShibboleth('Shibboleth header mode refuses forged and ambiguous attributes', (ctx) => {
  const db = () => ctx().app.lanyard.db;

  /** Starts a flow on `client` (directly at Lanyard) and returns the callback path with its state. */
  async function startDirect(client: AddressClient): Promise<string> {
    const start = await client.send('GET', '/auth/shib', undefined, html);
    assert.equal(start.status, 303);
    const url = new URL(String(start.headers.location));
    return url.pathname + url.search;
  }
  const forged = (attrs: Record<string, string>) => ({ ...html, ...attrs });

  test('a direct request with the attribute headers but no secret → 403 SHIBBOLETH_HEADERS_UNTRUSTED', async () => {
    const attacker = ctx().client('127.0.0.1');
    const callback = await startDirect(attacker);
    const answer = await expectNoChange(db(), () =>
      attacker.send('GET', callback, undefined, forged(person(UNI, { mail: 'x@uni.example' }))),
    );
    refusedWith(answer, 403, 'SHIBBOLETH_HEADERS_UNTRUSTED');
  });

  test('from the trusted proxy’s own address but with a wrong, empty, longer or repeated secret → 403', async () => {
    const attacker = ctx().client(PROXY_SOURCE);
    const callback = await startDirect(attacker);
    for (const secret of ['wrong-secret', '', `${SECRET}x`, SECRET.slice(0, -1), SECRET.toUpperCase()]) {
      const answer = await expectNoChange(db(), () =>
        attacker.send('GET', callback, undefined, forged({ ...person(UNI), 'x-lanyard-proxy-secret': secret })),
      );
      refusedWith(answer, 403, 'SHIBBOLETH_HEADERS_UNTRUSTED');
    }
    const twice = await expectNoChange(db(), () =>
      attacker.send('GET', callback, undefined, {
        ...forged(person(UNI)),
        'x-lanyard-proxy-secret': [SECRET, SECRET] as unknown as string,
      }),
    );
    refusedWith(twice, 403, 'SHIBBOLETH_HEADERS_UNTRUSTED');
  });

  test('the right secret from an address that is not a trusted proxy → 403, also with X-Forwarded-For naming the proxy', async () => {
    const attacker = ctx().client('127.0.0.3');
    const callback = await startDirect(attacker);
    const answer = await expectNoChange(db(), () =>
      attacker.send('GET', callback, undefined, {
        ...forged(person(UNI)),
        'x-lanyard-proxy-secret': SECRET,
        'x-forwarded-for': PROXY_SOURCE,
      }),
    );
    refusedWith(answer, 403, 'SHIBBOLETH_HEADERS_UNTRUSTED');
  });

  test('through the proxy, attribute headers a client writes itself are cleared: no IdP arrives → 400, nothing written', async () => {
    const browser = ctx().browser();
    const start = await browser.get('/auth/shib');
    const page = await expectNoChange(db(), () =>
      browser.get(start.location!, { ...person(UNI), 'X-Lanyard-Proxy-Secret': 'guess' }),
    );
    assertRefused(page, 400, 'SHIBBOLETH_HEADERS_INVALID');
  });

  test('through the proxy, a client’s own subject beside the released one is replaced by it', async () => {
    const browser = ctx().browser();
    const real = person(UNI);
    const page = await signInThroughProxy(browser, real, { extraHeaders: { 'subject-id': 'victim@uni.example' } });
    assert.equal(page.status, 303);
    const reg = await db()
      .selectFrom('registration')
      .select('subject')
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    assert.equal(reg?.subject, `${UNI} subject-id:${real['subject-id']}`);
  });

  test('an underscore lookalike (Shib_Identity_Provider) beside the real header → 400 SHIBBOLETH_HEADERS_INVALID', async () => {
    const browser = ctx().browser();
    const page = await expectNoChange(db(), () =>
      signInThroughProxy(browser, person(UNI), { extraHeaders: { Shib_Identity_Provider: LAB } }),
    );
    assertRefused(page, 400, 'SHIBBOLETH_HEADERS_INVALID');
  });

  test('an attribute header sent twice (a proxy that passes a client’s copy on) → 400, not joined', async () => {
    const proxyLike = ctx().client(PROXY_SOURCE);
    const attrs = person(UNI);
    for (const name of ['subject-id', 'Shib-Identity-Provider', 'eppn', 'Subject-ID']) {
      // Every callback ends its flow, refused or not: each try starts one.
      const callback = await startDirect(proxyLike);
      const answer = await expectNoChange(db(), () =>
        proxyLike.send('GET', callback, undefined, {
          ...forged(attrs),
          'x-lanyard-proxy-secret': SECRET,
          [name]: [attrs[name] ?? 'a@uni.example', 'victim@uni.example'] as unknown as string,
        }),
      );
      refusedWith(answer, 400, 'SHIBBOLETH_HEADERS_INVALID');
    }
    // The same request with each header once is what the proxy sends: it passes.
    const callback = await startDirect(proxyLike);
    const once = await proxyLike.send('GET', callback, undefined, {
      ...forged(attrs),
      'x-lanyard-proxy-secret': SECRET,
    });
    assert.equal(once.status, 303, once.body.slice(0, 300));
    assert.match(String(once.headers.location), /\/external-login\//);
  });

  test('a multi-valued identifier (eppn "a;b") is ambiguous: dropped, and with nothing else → 403 SAML_NO_SUBJECT', async () => {
    for (const attrs of <Record<string, string>[]>[
      { 'Shib-Identity-Provider': UNI, eppn: 'alice@uni.example;victim@uni.example' },
      { 'Shib-Identity-Provider': UNI, 'subject-id': 'alice@uni.example;victim@uni.example' },
      { 'Shib-Identity-Provider': UNI, 'persistent-id': `${UNI}!!a;${UNI}!!b` },
      { 'Shib-Identity-Provider': UNI },
    ]) {
      const page = await expectNoChange(db(), () => signInThroughProxy(ctx().browser(), attrs));
      assertRefused(page, 403, 'SAML_NO_SUBJECT');
      assert.match(page.body, /idp\.uni\.example/, 'the page names the IdP');
    }
  });

  test('several IdPs in Shib-Identity-Provider → 400', async () => {
    const page = await expectNoChange(db(), () =>
      signInThroughProxy(ctx().browser(), { ...person(UNI), 'Shib-Identity-Provider': `${UNI};${LAB}` }),
    );
    assertRefused(page, 400, 'SHIBBOLETH_HEADERS_INVALID');
  });

  test('a foreign scope: eppn of another university → 403 SAML_SCOPE_FOREIGN; beside a usable subject it is dropped', async () => {
    for (const attrs of <Record<string, string>[]>[
      { 'Shib-Identity-Provider': UNI, eppn: 'victim@lab.example' },
      { 'Shib-Identity-Provider': LAB, 'subject-id': 'victim@uni.example' },
      { 'Shib-Identity-Provider': UNI, eppn: 'victim@evil-uni.example' },
      { 'Shib-Identity-Provider': UNI, eppn: 'victim@sub.uni.example' },
    ]) {
      const page = await expectNoChange(db(), () => signInThroughProxy(ctx().browser(), attrs));
      assertRefused(page, 403, 'SAML_SCOPE_FOREIGN');
    }
    const mixed = person(UNI, { eppn: 'victim@lab.example', affiliation: 'member@uni.example;staff@lab.example' });
    const page = await signInThroughProxy(ctx().browser(), mixed);
    assert.equal(page.status, 303);
    const reg = await db().selectFrom('registration').selectAll().orderBy('created_at', 'desc').executeTakeFirst();
    assert.equal(reg?.subject, `${UNI} subject-id:${mixed['subject-id']}`);
    assert.equal(reg?.profile.hints?.affiliation, 'member@uni.example');
  });

  test('an IdP the entry does not accept → 400 SAML_IDP_UNKNOWN naming it', async () => {
    const page = await expectNoChange(db(), () =>
      signInThroughProxy(ctx().browser(), { ...person(UNI), 'Shib-Identity-Provider': 'https://idp.evil.example/idp' }),
    );
    assertRefused(page, 400, 'SAML_IDP_UNKNOWN');
    assert.match(page.body, /idp\.evil\.example/);
  });

  test('a persistent NameID qualified by another IdP or for another SP → 403 SAML_NAMEID_QUALIFIER', async () => {
    for (const value of [
      `${LAB}!https://repository.example/shibboleth!abc`,
      `${UNI}!https://other-sp.example/shibboleth!abc`,
    ]) {
      const page = await expectNoChange(db(), () =>
        signInThroughProxy(ctx().browser(), { 'Shib-Identity-Provider': UNI, 'persistent-id': value }),
      );
      assertRefused(page, 403, 'SAML_NAMEID_QUALIFIER');
    }
  });

  test('the callback without this browser’s flow (a forced sign-in) → 400 OAUTH_STATE_INVALID, even with good headers', async () => {
    const victim = ctx().browser();
    const page = await expectNoChange(db(), () =>
      victim.get(`${ctx().proxy.url}/auth/shib/callback?state=forged`, released(person(UNI))),
    );
    assertRefused(page, 400, 'OAUTH_STATE_INVALID');
  });
});
