import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPasswordAccount, signInWithPassword } from '../support/orcid.js';
import { testKeys } from '../support/saml-idp.js';
import {
  type AcsPost,
  addSamlUser,
  authenticateAtIdp,
  forEachBackendWithSamlIdp,
  postToAcs,
  readAcsForm,
  resign,
  responseXml,
  signInWithSaml,
  withResponse,
} from '../support/saml-sign-in.js';
import { PUBLIC_URL, type TestApp } from '../support/test-app.js';

const IDP_NAME = 'Example University Identity Service';

/** Rows a refused response must not have written (flow_state: the ACS's checks are read-only). */
async function counts(app: TestApp) {
  const db = app.lanyard.db;
  const n = async (table: 'account' | 'identity' | 'registration' | 'session' | 'flow_state') =>
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
    flowState: await n('flow_state'),
  };
}

/**
 * Every attack on the ACS, against a real pysaml2 IdP on both databases: each must fail to get in,
 * with its own 4xx code on a page naming the IdP, and write nothing.
 */
forEachBackendWithSamlIdp(
  'attacks on SAML sign-in',
  (ctx) => {
    /** Posts `post` to the ACS (cookie-less, as the IdP's cross-site POST) and expects a refusal. */
    const refused = async (post: AcsPost, status: number, code: string) => {
      const { app } = ctx();
      const before = await counts(app);
      const page = await app.browser().post(new URL(post.action).pathname, post.fields);
      assert.equal(page.status, status, `${code}: ${page.body.slice(0, 600)}`);
      assert.match(page.body, new RegExp(code));
      assert.match(page.body, new RegExp(IDP_NAME), 'the page names the IdP');
      assert.equal(page.headers['set-cookie'], undefined, 'no cookie, no session');
      assert.deepEqual(await counts(app), before, 'nothing written');
      return page;
    };
    /** A victim with an account linked to their University A identity; the attacker is someone else there. */
    const victim = async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, { eduPersonPrincipalName: [`v${Date.now()}@uni-a.example`] });
      const account = await createPasswordAccount(app, `${user}@uni-a.example`);
      const browser = app.browser();
      await signInWithPassword(browser, `${user}@uni-a.example`);
      await browser.get('/profile');
      assert.equal((await signInWithSaml(app, browser, user, { form: {} })).location, '/profile');
      return { user, account };
    };
    /** An unencrypted response signed by the IdP (the whole Response), ready to be tampered with. */
    const plain = async (user: string, sign: 'response' | 'assertion' = 'response') =>
      authenticateAtIdp(ctx().app.browser(), user, { switches: { encrypt: '0', sign } });
    const idpKeys = () => ctx().idp.keys;

    test('control: the untampered response signs in (so each refusal below is the tampering’s doing)', async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, {});
      const post = await plain(user);
      const again = await resign(responseXml(post), idpKeys());
      const { acs } = await postToAcs(app, app.browser(), withResponse(post, again));
      assert.equal(acs.status, 303, acs.body.slice(0, 400));
    });

    for (const encrypt of ['0', '1'] as const)
      test(`an unsigned response and assertion (${encrypt === '1' ? 'encrypted' : 'plain'}) → 403 SAML_SIGNATURE_INVALID`, async () => {
        const user = await addSamlUser(ctx().idp, {});
        const post = await authenticateAtIdp(ctx().app.browser(), user, { switches: { encrypt, sign: 'none' } });
        assert.doesNotMatch(responseXml(post), /SignatureValue/);
        await refused(post, 403, 'SAML_SIGNATURE_INVALID');
      });

    test('a signed response whose NameID was changed afterwards → 403 SAML_SIGNATURE_INVALID', async () => {
      const { user } = await victim();
      const attacker = await addSamlUser(ctx().idp, {});
      const post = await plain(attacker);
      const xml = responseXml(post).replace(`>p-${attacker}<`, `>p-${user}<`);
      await refused(withResponse(post, xml), 403, 'SAML_SIGNATURE_INVALID');
    });

    test('signature wrapping: the signed assertion plus an injected unsigned one naming the victim → 403, never the victim', async () => {
      const { user } = await victim();
      const attacker = await addSamlUser(ctx().idp, {});
      const post = await plain(attacker, 'assertion');
      const xml = responseXml(post);
      const signed = xml.match(/<(\w+:)?Assertion[\s>][\s\S]*<\/(\w+:)?Assertion>/)![0];
      const evil = signed
        .replace(/<(\w+:)?Signature[\s>][\s\S]*<\/(\w+:)?Signature>/, '')
        .replace(/ ID="[^"]+"/, ' ID="_evil"')
        .replace(`>p-${attacker}<`, `>p-${user}<`);
      for (const wrapped of [xml.replace(signed, evil + signed), xml.replace(signed, signed + evil)])
        await refused(withResponse(post, wrapped), 403, 'SAML_SIGNATURE_INVALID');
    });

    test('signature wrapping: the signed assertion moved into an Extensions element, an unsigned one in its place → 403', async () => {
      const { user } = await victim();
      const attacker = await addSamlUser(ctx().idp, {});
      const post = await plain(attacker, 'assertion');
      const xml = responseXml(post);
      const signed = xml.match(/<(\w+:)?Assertion[\s>][\s\S]*<\/(\w+:)?Assertion>/)![0];
      const evil = signed
        .replace(/<(\w+:)?Signature[\s>][\s\S]*<\/(\w+:)?Signature>/, '')
        .replace(`>p-${attacker}<`, `>p-${user}<`);
      const wrapped = xml.replace(
        signed,
        `<samlp:Extensions xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">${signed}</samlp:Extensions>${evil}`,
      );
      await refused(withResponse(post, wrapped), 403, 'SAML_SIGNATURE_INVALID');
    });

    test('a comment inside the NameID (victim<!---->.suffix) never reads as the victim: the whole value or a refusal', async () => {
      const { app, idp } = ctx();
      const { user, account } = await victim();
      // The attacker's own NameID at the IdP starts with the victim's.
      const attacker = `${user}x`;
      await idp.addUsers({ [attacker]: { persistentId: `p-${user}.evil`, attributes: {} } });
      const browser = app.browser();
      const post = await authenticateAtIdp(browser, attacker, { switches: { encrypt: '0', sign: 'response' } });
      const xml = responseXml(post).replace(`>p-${user}.evil<`, `>p-${user}<!---->.evil<`);
      assert.notEqual(xml, responseXml(post));
      // Comments are not part of the signed canonical form: the signature still holds.
      const { acs, callback } = await postToAcs(app, browser, withResponse(post, xml));
      if (acs.status === 303) {
        const sessions = await app.lanyard.db
          .selectFrom('session')
          .select('id')
          .where('account_id', '=', account.id)
          .execute();
        assert.equal(callback?.status, 303);
        assert.match(callback!.location!, /^\/external-login\//, 'a new identity, not the victim’s account');
        const reg = await app.lanyard.db
          .selectFrom('registration')
          .select('subject')
          .orderBy('created_at', 'desc')
          .executeTakeFirstOrThrow();
        assert.equal(reg.subject, `${idp.entityId} persistent:p-${user}.evil`, 'read whole, as signed');
        assert.equal(sessions.length, 1, 'only the victim’s own session from setting up');
      } else assert.ok(acs.status >= 400 && acs.status < 500, acs.body.slice(0, 300));
    });

    test('a response re-signed with another IdP’s key → 403 SAML_SIGNATURE_INVALID', async () => {
      const user = await addSamlUser(ctx().idp, {});
      const post = await plain(user);
      const other = testKeys([0, 1, 2].find((i) => testKeys(i).certificate !== idpKeys().certificate)!);
      await refused(withResponse(post, await resign(responseXml(post), other)), 403, 'SAML_SIGNATURE_INVALID');
    });

    const forged = async (change: (xml: string) => string, sign: 'response' | 'assertion' = 'response') => {
      const user = await addSamlUser(ctx().idp, {});
      const post = await plain(user, sign);
      const xml = change(responseXml(post));
      assert.notEqual(xml, responseXml(post), 'the change applies');
      return withResponse(post, await resign(xml, idpKeys()));
    };

    test('wrong audience (signed by the IdP) → 403 SAML_AUDIENCE_MISMATCH', async () => {
      await refused(
        await forged((x) => x.replace(/<(\w+:)?Audience>[^<]+</, '<$1Audience>https://other-sp.example/sp<')),
        403,
        'SAML_AUDIENCE_MISMATCH',
      );
    });

    test('wrong recipient (signed by the IdP) → 403 SAML_RECIPIENT_MISMATCH', async () => {
      await refused(
        await forged((x) => x.replace(/Recipient="[^"]+"/, 'Recipient="https://other-sp.example/acs"')),
        403,
        'SAML_RECIPIENT_MISMATCH',
      );
    });

    test('wrong destination (signed by the IdP) → 403 SAML_DESTINATION_MISMATCH', async () => {
      await refused(
        await forged((x) => x.replace(/Destination="[^"]+"/, `Destination="${PUBLIC_URL}/auth/lab/acs"`)),
        403,
        'SAML_DESTINATION_MISMATCH',
      );
    });

    test('NotOnOrAfter passed beyond the clock skew (signed by the IdP) → 403 SAML_EXPIRED', async () => {
      const past = new Date(Date.now() - 10 * 60_000).toISOString();
      await refused(
        await forged((x) => x.replace(/NotOnOrAfter="[^"]+"/g, `NotOnOrAfter="${past}"`)),
        403,
        'SAML_EXPIRED',
      );
    });

    test('within the clock skew (a minute late) the response still counts', async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, {});
      const post = await plain(user);
      const late = new Date(Date.now() - 60_000).toISOString();
      const xml = await resign(responseXml(post).replace(/NotOnOrAfter="[^"]+"/g, `NotOnOrAfter="${late}"`), idpKeys());
      const { acs } = await postToAcs(app, app.browser(), withResponse(post, xml));
      assert.equal(acs.status, 303, acs.body.slice(0, 400));
    });

    test('a persistent NameID qualified for another SP (signed by the IdP) → 403 SAML_NAMEID_QUALIFIER', async () => {
      await refused(
        await forged((x) => x.replace(/SPNameQualifier="[^"]+"/, 'SPNameQualifier="https://other-sp.example/sp"')),
        403,
        'SAML_NAMEID_QUALIFIER',
      );
    });

    test('a response to a request never made (signed by the IdP) → 403 SAML_REQUEST_UNKNOWN', async () => {
      await refused(
        await forged((x) =>
          x.replace(/InResponseTo="[^"]+"/g, 'InResponseTo="_0123456789abcdef0123456789abcdef01234567"'),
        ),
        403,
        'SAML_REQUEST_UNKNOWN',
      );
    });

    test('a replayed response → 403 SAML_REPLAYED (the first post signed in)', async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, {});
      const post = await authenticateAtIdp(app.browser(), user);
      const { acs } = await postToAcs(app, app.browser(), post);
      assert.equal(acs.status, 303);
      await refused(post, 403, 'SAML_REPLAYED');
    });

    test('an unsolicited (IdP-initiated) response → 403 SAML_UNSOLICITED', async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, {});
      const page = await app
        .browser()
        .get(`${idp.baseUrl}/unsolicited?sp=${encodeURIComponent(`${PUBLIC_URL}/auth/uni/metadata`)}&login_as=${user}`);
      const post = readAcsForm(page);
      assert.doesNotMatch(responseXml(post), /InResponseTo/);
      await refused(post, 403, 'SAML_UNSOLICITED');
    });

    test('a long assertion ID of multi-byte characters (signed by the IdP) signs in once, and its replay is named as one', async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, {});
      const post = await plain(user, 'assertion');
      const xml = responseXml(post);
      const id = xml.match(/<(\w+:)?Assertion[^>]* ID="([^"]+)"/)![2]!;
      // 1,900 CJK characters: 5,700 bytes, more than a database index entry may hold.
      const long = `_${Array.from({ length: 1900 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 20000))).join('')}`;
      const signed = withResponse(post, await resign(xml.split(id).join(long), idpKeys()));
      const { acs } = await postToAcs(app, app.browser(), signed);
      assert.equal(acs.status, 303, acs.body.slice(0, 400));
      await refused(signed, 403, 'SAML_REPLAYED');
    });

    test('an unknown sender’s Issuer of 500,000 characters is not echoed back whole', async () => {
      const { app } = ctx();
      const issuer = `https://x.example/${'a'.repeat(500_000)}`;
      const xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" InResponseTo="_nope"><saml:Issuer>${issuer}</saml:Issuer></samlp:Response>`;
      const page = await app.browser().post('/auth/uni/acs', { SAMLResponse: Buffer.from(xml).toString('base64') });
      assert.equal(page.status, 403);
      assert.match(page.body, /SAML_REQUEST_UNKNOWN/);
      assert.ok(page.body.length < 50_000, `a page of ${page.body.length} characters`);
    });

    test('a response for the other entry (lab) posted to uni’s ACS → 403, nothing written', async () => {
      const user = await addSamlUser(ctx().idp, {});
      const post = await authenticateAtIdp(ctx().app.browser(), user, { provider: 'lab' });
      await refused({ ...post, action: `${PUBLIC_URL}/auth/uni/acs` }, 403, 'SAML_REQUEST_UNKNOWN');
    });

    test('3DES encryption is refused before decrypting → 400 SAML_RESPONSE_INVALID', async () => {
      const user = await addSamlUser(ctx().idp, {});
      const post = await authenticateAtIdp(ctx().app.browser(), user, { switches: { enc: '3des' } });
      await refused(post, 400, 'SAML_RESPONSE_INVALID');
    });

    for (const [name, switches] of [
      ['an RSA-SHA1 signature on the response', { encrypt: '0', sigalg: 'sha1' }],
      ['SHA-1 digests under an RSA-SHA256 signature', { encrypt: '0', digest: 'sha1' }],
      ['an RSA-SHA1 signature on an encrypted assertion', { encrypt: '1', sign: 'assertion', sigalg: 'sha1' }],
    ] as const)
      test(`${name} (valid, by the IdP's key) → 403 SAML_SIGNATURE_WEAK`, async () => {
        const user = await addSamlUser(ctx().idp, {});
        const post = await authenticateAtIdp(ctx().app.browser(), user, { switches });
        if (switches.encrypt === '0') assert.match(responseXml(post), /xmldsig#(rsa-)?sha1"/);
        else assert.doesNotMatch(responseXml(post), /xmldsig#(rsa-)?sha1"/, 'visible only once decrypted');
        await refused(post, 403, 'SAML_SIGNATURE_WEAK');
      });

    test('an entry that opts in with allowSha1Signatures accepts an RSA-SHA1 response from its IdP', async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, {});
      const browser = app.browser();
      const post = await authenticateAtIdp(browser, user, { provider: 'lab', switches: { sigalg: 'sha1' } });
      const { acs, callback } = await postToAcs(app, browser, post);
      assert.equal(acs.status, 303, acs.body.slice(0, 400));
      assert.match(callback?.location ?? '', /^\/external-login\//);
    });

    test('a look-alike scope: eppn at uni-\u0430.example (a Cyrillic а) is not University A’s → 403 SAML_SCOPE_FOREIGN', async () => {
      const user = await addSamlUser(ctx().idp, { eduPersonPrincipalName: ['rector@uni-\u0430.example'] });
      const post = await authenticateAtIdp(ctx().app.browser(), user, { switches: { nameid: 'transient' } });
      await refused(post, 403, 'SAML_SCOPE_FOREIGN');
    });

    test('a foreign scope: eppn of another university and a transient NameID → 403 SAML_SCOPE_FOREIGN', async () => {
      const user = await addSamlUser(ctx().idp, { eduPersonPrincipalName: ['rector@uni-b.example'] });
      const post = await authenticateAtIdp(ctx().app.browser(), user, { switches: { nameid: 'transient' } });
      const page = await refused(post, 403, 'SAML_SCOPE_FOREIGN');
      assert.match(page.body, /uni-b\.example/);
    });

    test('a foreign scope beside a usable identifier: the foreign values are dropped, never used', async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, {
        'subject-id': ['rector@uni-b.example'],
        eduPersonPrincipalName: ['rector@uni-b.example'],
        eduPersonScopedAffiliation: ['faculty@uni-b.example', 'member@uni-a.example'],
      });
      const back = await signInWithSaml(app, app.browser(), user);
      assert.match(back.location!, /^\/external-login\//);
      const reg = await app.lanyard.db
        .selectFrom('registration')
        .selectAll()
        .where('subject', '=', `${idp.entityId} persistent:p-${user}`)
        .executeTakeFirstOrThrow();
      assert.doesNotMatch(JSON.stringify(reg.profile), /uni-b\.example/);
    });

    test('no usable subject: a transient NameID only → 403 SAML_NO_SUBJECT, not a registration', async () => {
      const user = await addSamlUser(ctx().idp, { mail: ['transient@uni-a.example'] });
      const post = await authenticateAtIdp(ctx().app.browser(), user, { switches: { nameid: 'transient' } });
      await refused(post, 403, 'SAML_NO_SUBJECT');
    });

    test('login CSRF: a response the attacker obtained, posted from the victim’s browser, never signs the victim in as the attacker', async () => {
      const { app, idp } = ctx();
      const attacker = await addSamlUser(idp, {});
      const post = await authenticateAtIdp(app.browser(), attacker);
      const victimBrowser = app.browser();
      await victimBrowser.get('/login');
      const before = await counts(app);
      const acs = await victimBrowser.post(new URL(post.action).pathname, post.fields);
      assert.equal(acs.status, 303);
      const back = await victimBrowser.get(acs.location!);
      assert.equal(back.status, 400);
      assert.match(back.body, /OAUTH_STATE_INVALID|SAML_FLOW_INVALID/);
      const after = await counts(app);
      assert.deepEqual(
        { ...after, flowState: 0 },
        { ...before, flowState: 0 },
        'no account, identity, registration or session',
      );
    });

    test('the continuation is single-use: the callback URL replayed in the same browser is refused', async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, {});
      const browser = app.browser();
      const post = await authenticateAtIdp(browser, user);
      const { acs, callback } = await postToAcs(app, browser, post);
      assert.equal(callback?.status, 303);
      const again = await browser.get(acs.location!);
      assert.equal(again.status, 400);
    });

    test('a body that is not a SAML Response → 400 SAML_RESPONSE_INVALID naming the entry', async () => {
      const { app } = ctx();
      for (const body of <Record<string, string>[]>[
        {},
        { SAMLResponse: 'not base64!' },
        { SAMLResponse: Buffer.from('<x/>').toString('base64') },
        { SAMLResponse: Buffer.from('<!DOCTYPE x [<!ENTITY a "b">]><x/>').toString('base64') },
      ]) {
        const before = await counts(app);
        const page = await app.browser().post('/auth/uni/acs', body);
        assert.equal(page.status, 400, JSON.stringify(body));
        assert.match(page.body, /SAML_RESPONSE_INVALID/);
        assert.match(page.body, /University A/);
        assert.deepEqual(await counts(app), before);
      }
    });
  },
  { idp: { displayName: IDP_NAME }, lab: { allowSha1Signatures: true } },
);
