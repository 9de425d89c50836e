import assert from 'node:assert/strict';
import { generateKeyPair, importJWK, SignJWT, decodeJwt, type JWTPayload } from 'jose';
import { test } from 'node:test';
import { createTestApp, PUBLIC_URL } from '../support/test-app.js';
import { backends, skipReason } from '../support/databases.js';
import { addIdpUser, authorizeAtIdp, forEachBackendWithIdp } from '../support/oidc.js';
import type { OidcIdp } from '../support/oidc-idp.js';
import type { TestApp } from '../support/test-app.js';
import { createPasswordAccount } from '../support/orcid.js';

/** Rows a refused sign-in must not have written. */
async function counts(app: TestApp) {
  const db = app.lanyard.db;
  const n = async (table: 'account' | 'identity' | 'registration' | 'session') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    accounts: await n('account'),
    identities: await n('identity'),
    registrations: await n('registration'),
    sessions: await n('session'),
  };
}

/** The IdP answers its token endpoint with an ID token changed by `change`, signed with `key` (its own by default). */
function forgeIdToken(idp: OidcIdp, change: (claims: JWTPayload) => JWTPayload, key?: 'none' | 'foreign') {
  idp.tamperToken = async (body) => {
    const claims = change(decodeJwt(String(body.id_token)));
    if (key === 'none') {
      const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return { ...body, id_token: `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.` };
    }
    const signing =
      key === 'foreign' ? (await generateKeyPair('RS256')).privateKey : await importJWK(idp.signingKey, 'RS256');
    const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: idp.signingKey.kid! }).sign(signing);
    return { ...body, id_token: jwt };
  };
}

/** Every refusal of a callback or ID token: its own page and code naming the IdP, nothing written. */
forEachBackendWithIdp(
  'attacks on OpenID Connect sign-in',
  (ctx) => {
    const refused = async (
      callbackUrl: string,
      browser: ReturnType<TestApp['browser']>,
      status: number,
      code: string,
    ) => {
      const { app } = ctx();
      const before = await counts(app);
      const page = await browser.get(callbackUrl);
      assert.equal(page.status, status, page.body.slice(0, 400));
      assert.match(page.body, new RegExp(code));
      if (!['OAUTH_STATE_INVALID'].includes(code))
        assert.match(page.body, /University of Example/, 'the page names the IdP');
      assert.deepEqual(await counts(app), before, 'nothing written');
      return page;
    };

    const attempt = async (change: Parameters<typeof forgeIdToken>[1], key?: 'none' | 'foreign') => {
      const { app, idp } = ctx();
      const sub = addIdpUser(idp, { email: 'target@uni.example', email_verified: true });
      const browser = app.browser();
      const callback = await authorizeAtIdp(browser, sub);
      forgeIdToken(idp, change, key);
      try {
        await refused(callback, browser, 502, 'OIDC_ID_TOKEN_INVALID');
      } finally {
        idp.tamperToken = null;
      }
    };

    test('an ID token from another issuer → 502 OIDC_ID_TOKEN_INVALID', () =>
      attempt((c) => ({ ...c, iss: 'https://evil.example' })));
    test('an ID token for another audience → 502 OIDC_ID_TOKEN_INVALID', () =>
      attempt((c) => ({ ...c, aud: 'someone-else' })));
    test('an expired ID token → 502 OIDC_ID_TOKEN_INVALID', () =>
      attempt((c) => ({ ...c, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 })));
    test('an unsigned ID token (alg: none) → 502 OIDC_ID_TOKEN_INVALID', () => attempt((c) => c, 'none'));
    test('an ID token signed by a key not in the IdP’s JWKS, even straight from the token endpoint → 502', () =>
      attempt((c) => c, 'foreign'));

    test('nonce replay: an ID token with another sign-in’s nonce → 400 OIDC_NONCE_MISMATCH', async () => {
      const { app, idp } = ctx();
      const sub = addIdpUser(idp, {});
      const browser = app.browser();
      const callback = await authorizeAtIdp(browser, sub);
      forgeIdToken(idp, (c) => ({ ...c, nonce: 'nonce-of-an-earlier-sign-in' }));
      try {
        await refused(callback, browser, 400, 'OIDC_NONCE_MISMATCH');
      } finally {
        idp.tamperToken = null;
      }
    });

    test('userinfo about someone else: its sub differs from the ID token’s → 502 OIDC_USERINFO_MISMATCH, nothing written', async () => {
      const { app, idp } = ctx();
      const victim = addIdpUser(idp, { email: 'victim@uni.example', email_verified: true });
      const sub = addIdpUser(idp, {});
      const browser = app.browser();
      const callback = await authorizeAtIdp(browser, sub);
      idp.tamperUserinfo = (body) => ({ ...body, sub: victim, email: 'victim@uni.example', email_verified: true });
      try {
        await refused(callback, browser, 502, 'OIDC_USERINFO_MISMATCH');
      } finally {
        idp.tamperUserinfo = null;
      }
    });

    test('an email and the email_verified of another source: an unverified ID token email with userinfo’s "verified" links nothing', async () => {
      const { app, idp } = ctx();
      const victim = await createPasswordAccount(app, `victim-${Date.now().toString(36)}@uni.example`);
      // Userinfo vouches for the attacker's own address; the ID token names the victim's, unverified.
      const sub = addIdpUser(idp, { email: 'attacker@uni.example', email_verified: true });
      const browser = app.browser();
      const callback = await authorizeAtIdp(browser, sub, { provider: 'lab' });
      forgeIdToken(idp, (c) => ({ ...c, email: victim.email }));
      try {
        const page = await browser.get(callback);
        assert.equal(page.status, 303, page.body.slice(0, 400));
        assert.match(
          page.location!,
          /^\/external-login\//,
          `the unverified address is typed and proven, never linked (went to ${page.location})`,
        );
      } finally {
        idp.tamperToken = null;
      }
      const linked = await app.lanyard.db
        .selectFrom('identity')
        .select('provider')
        .where('account_id', '=', victim.id)
        .execute();
      assert.deepEqual(
        linked.map((i) => i.provider),
        ['password'],
        'nothing was linked into the victim’s account',
      );
      const sessions = await app.lanyard.db
        .selectFrom('session')
        .select('id')
        .where('account_id', '=', victim.id)
        .execute();
      assert.equal(sessions.length, 0, 'nobody was signed in to the victim’s account');
    });

    test('state from another browser: the callback in a browser that did not start it → 400 OAUTH_STATE_INVALID, no code exchange', async () => {
      const { app, idp } = ctx();
      const sub = addIdpUser(idp, {});
      const victim = app.browser();
      const callback = await authorizeAtIdp(app.browser(), sub);
      const before = idp.tokenRequests;
      await refused(callback, victim, 400, 'OAUTH_STATE_INVALID');
      // The victim started a sign-in of its own: the attacker's state still does not match it.
      await victim.get('/auth/uni');
      await refused(callback, victim, 400, 'OAUTH_STATE_INVALID');
      assert.equal(idp.tokenRequests, before, 'the code was never sent to the IdP');
    });

    test('a callback replayed in the same browser → 400 OAUTH_STATE_INVALID (the flow cookie is gone)', async () => {
      const { app, idp } = ctx();
      const sub = addIdpUser(idp, {});
      const browser = app.browser();
      const callback = await authorizeAtIdp(browser, sub);
      const first = await browser.get(callback);
      assert.equal(first.status, 303);
      await refused(callback, browser, 400, 'OAUTH_STATE_INVALID');
    });

    test('a flow started for one provider is refused at another’s callback', async () => {
      const { app, idp } = ctx();
      const sub = addIdpUser(idp, {});
      const browser = app.browser();
      const callback = new URL(await authorizeAtIdp(browser, sub));
      callback.pathname = '/auth/lab/callback';
      await refused(callback.href, browser, 400, 'OAUTH_STATE_INVALID');
    });

    test('RFC 9207: a callback whose iss names another issuer → 400 OAUTH_CALLBACK_INVALID; without iss → 400 OIDC_ISSUER_MISMATCH', async () => {
      const { app, idp } = ctx();
      const sub = addIdpUser(idp, {});
      const browser = app.browser();
      const callback = new URL(await authorizeAtIdp(browser, sub));
      assert.equal(callback.searchParams.get('iss'), idp.issuer, 'the IdP sends iss');
      callback.searchParams.set('iss', 'https://other-idp.example');
      await refused(callback.href, browser, 400, 'OAUTH_CALLBACK_INVALID');
      // The IdP announces that it always sends iss, so an answer without it is a mix-up too.
      const again = app.browser();
      const second = new URL(await authorizeAtIdp(again, sub));
      second.searchParams.delete('iss');
      await refused(second.href, again, 400, 'OIDC_ISSUER_MISMATCH');
    });

    test('a tampered code → 400 OAUTH_CODE_INVALID; an error or no answer → its own page', async () => {
      const { app, idp } = ctx();
      const sub = addIdpUser(idp, {});
      const browser = app.browser();
      const callback = new URL(await authorizeAtIdp(browser, sub));
      callback.searchParams.set('code', `${callback.searchParams.get('code')}x`);
      await refused(callback.href, browser, 400, 'OAUTH_CODE_INVALID');
      await refused(
        `${PUBLIC_URL}/auth/uni/callback?error=access_denied&state=x`,
        app.browser(),
        400,
        'PROVIDER_ACCESS_DENIED',
      );
      await refused(`${PUBLIC_URL}/auth/uni/callback`, app.browser(), 401, 'OAUTH_CALLBACK_EMPTY');
    });

    test('a slow IdP gets the "not reachable" page within the entry’s timeoutMs, nothing written', async () => {
      const { app, idp } = ctx();
      const sub = addIdpUser(idp, {});
      const browser = app.browser();
      const callback = await authorizeAtIdp(browser, sub, { provider: 'lab' });
      const before = await counts(app);
      idp.tokenDelayMs = 6000;
      const delaysOver = idp.tokenDelaysOver;
      try {
        const page = await browser.get(callback);
        assert.equal(page.status, 503);
        assert.match(page.body, /PROVIDER_UNAVAILABLE/);
        assert.match(page.body, /Example Lab is not reachable/);
        assert.equal(idp.tokenDelaysOver, delaysOver, 'answered before the IdP did');
        assert.deepEqual(await counts(app), before, 'nothing written');
      } finally {
        idp.tokenDelayMs = 0;
      }
    });
  },
  { lab: { timeoutMs: 2000 } },
);

/** An IdP that is down when Lanyard starts does not stop it; its button leads to its own page. */
for (const backend of backends()) {
  test(`an IdP unreachable at start-up [${backend}]: Lanyard starts, /auth/{id} → 503 naming it, nothing written`, async (t) => {
    const reason = await skipReason(backend);
    if (reason) return t.skip(reason);
    const app = await createTestApp(backend, {
      LANYARD_PROVIDERS: JSON.stringify([
        {
          id: 'down',
          type: 'oidc',
          label: { en: 'Closed University', de: 'Geschlossene Universität' },
          issuer: 'http://127.0.0.1:9',
          clientId: 'x',
          clientSecret: 'y',
          timeoutMs: 1000,
        },
      ]),
    });
    try {
      const before = await counts(app);
      const login = await app.browser().get('/login');
      assert.match(login.body, /Sign in with Closed University/);
      const page = await app.browser().get('/auth/down');
      assert.equal(page.status, 503);
      assert.match(page.body, /PROVIDER_UNAVAILABLE/);
      assert.match(page.body, /Closed University is not reachable/);
      // In German the page names it by its German label.
      const german = app.browser();
      await german.get('/login?lang=de');
      const de = await german.get('/auth/down');
      assert.equal(de.status, 503);
      assert.match(de.body, /Geschlossene Universität ist gerade nicht erreichbar/);
      assert.deepEqual(await counts(app), before);
    } finally {
      await app.close();
    }
  });
}
