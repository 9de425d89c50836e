import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import { addOidcClient } from '../../src/stores/oidc-clients.js';
import { accountIdsWith } from '../support/accounts.js';
import { AddressClient } from '../support/address-client.js';
import { linkIn } from '../support/mail-catcher.js';
import { authorizeWithPassword } from '../support/op-sign-in.js';
import { assertRefused } from '../support/refusals.js';
import { signInWithOrcid } from '../support/orcid.js';
import { type SamlIdp, startSamlIdp } from '../support/saml-idp.js';
import { samlPeersMissing } from '../support/saml-peers.js';
import { addSamlUser, answerAtIdp, spKeys } from '../support/saml-sign-in.js';
import {
  ROUTE_TO,
  RoutedBrowser,
  SERVED_BY,
  TOPOLOGY_PASSWORD,
  Topology,
  topologyMissing,
} from '../support/topology.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const SIGNIN_PER_MINUTE = 12;

/**
 * Three Lanyard processes behind HAProxy (round robin, no stickiness) on one PostgreSQL and one
 * Redis: every step of a flow is sent to another process than the step before (the balancer's
 * routing header), and the balancer's answer header shows which one served it.
 */
describe('three Lanyard processes behind a load balancer: every flow crosses processes', async () => {
  const reason = await topologyMissing();
  const samlMissing = process.env.CI === 'true' ? false : samlPeersMissing();
  let t: Topology;
  let idp: SamlIdp | undefined;
  before(async () => {
    if (reason) return;
    // University A, a pysaml2 IdP, as an entry of LANYARD_PROVIDERS beside the ORCID shorthand.
    if (!samlMissing) idp = await startSamlIdp({ displayName: 'University A', scopes: ['uni-a.example'] });
    const providers = idp
      ? [
          {
            id: 'uni',
            type: 'saml',
            label: 'University A',
            idpMetadataUrl: idp.metadataUrl,
            trustEmail: true,
            ...spKeys(),
          },
        ]
      : [];
    t = await Topology.start({
      env: {
        LANYARD_RATE_SIGNIN_PER_MINUTE: String(SIGNIN_PER_MINUTE),
        ...(idp ? { LANYARD_PROVIDERS: JSON.stringify(providers) } : {}),
      },
    });
    if (idp) await idp.trustSp(await (await fetch(`${t.url}/auth/uni/metadata`)).text());
  });
  after(async () => {
    await t?.close();
    await idp?.close();
  });

  /** One account uses `email`, and the identities of `provider` (with `subject`: that one) are one, and its. */
  const madeOnce = async (email: string, provider: string, subject?: string) => {
    const accounts = await accountIdsWith(t.db, email);
    assert.equal(accounts.length, 1);
    let identities = t.db.selectFrom('identity').select('account_id').where('provider', '=', provider);
    if (subject) identities = identities.where('subject', '=', subject);
    assert.deepEqual(await identities.execute(), [{ account_id: accounts[0]!.id }]);
  };

  describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
    test('the balancer spreads requests round robin over the three processes', async () => {
      const by = new Set<string>();
      for (let i = 0; i < 6; i++) by.add((await fetch(`${t.url}/login`)).headers.get(SERVED_BY) ?? '');
      assert.deepEqual([...by].sort(), ['l1', 'l2', 'l3']);
    });

    test('ORCID: start on one, callback on another, the mailed link on a third; the account is made once', async () => {
      const orcid = await t.orcid.addUser({
        givenNames: 'Maria',
        familyName: 'Cross',
        emails: [{ email: 'maria@private.example', visibility: 'private', verified: true }],
      });
      const b = new RoutedBrowser(null, t.url);
      b.routeTo = 'l1';
      // Start on l1, then (once the emulator has been reached) the callback on l2.
      const back = await signInWithOrcid(b, orcid, { authorize: () => (b.routeTo = 'l2') });
      assert.match(back.location ?? '', /^\/external-login\//, `${back.status} ${back.location}`);
      b.routeTo = 'l3';
      assert.match((await b.get(back.location!)).body, /We need your email address/);
      b.routeTo = 'l1';
      const sent = await b.post(`${back.location}/email`, { email: 'maria.cross@uni.example' });
      assert.equal(sent.location, '/email-confirmation', `${sent.status} ${sent.body.slice(0, 300)}`);
      const link = linkIn(await t.mail.waitFor('maria.cross@uni.example'), '/external-login/');
      b.routeTo = 'l3';
      assert.match((await b.get(link)).body, /Create my account/);
      b.routeTo = 'l2';
      const created = await b.post(`${new URL(link).pathname}/create`, { confirm: 'yes' });
      assert.equal(created.location, '/profile', `${created.status} ${created.body.slice(0, 300)}`);
      b.routeTo = 'l3';
      assert.match((await b.get('/profile')).body, /maria\.cross@uni\.example/);

      assert.deepEqual(
        b.served.slice(0, 2).map((s) => s.by),
        ['l1', 'l2'],
        'start and callback',
      );
      assert.equal(b.servedBy('GET', new URL(link).pathname), 'l3');
      assert.equal(b.servedBy('POST', `${new URL(link).pathname}/create`), 'l2');
      await madeOnce('maria.cross@uni.example', 'orcid', orcid);

      // The returning sign-in: start on l3, callback on l1.
      const again = new RoutedBrowser(null, t.url);
      again.routeTo = 'l3';
      const signedIn = await signInWithOrcid(again, orcid, { authorize: () => (again.routeTo = 'l1') });
      assert.equal(signedIn.status, 303);
      assert.doesNotMatch(signedIn.location ?? '', /external-login|error/);
      assert.deepEqual(
        again.served.map((s) => s.by),
        ['l3', 'l1'],
      );
    });

    test('the mailed link on another device: the ORCID proof starts on one process, its callback lands on another, the account is made on a third', async () => {
      const orcid = await t.orcid.addUser({
        givenNames: 'Jonas',
        familyName: 'Proof',
        emails: [{ email: 'jonas@private.example', visibility: 'private', verified: true }],
      });
      const laptop = new RoutedBrowser(null, t.url);
      const back = await signInWithOrcid(laptop, orcid);
      assert.match(back.location ?? '', /^\/external-login\//, `${back.status} ${back.location}`);
      assert.match((await laptop.get(back.location!)).body, /We need your email address/);
      const sent = await laptop.post(`${back.location}/email`, { email: 'jonas.proof@uni.example' });
      assert.equal(sent.location, '/email-confirmation', `${sent.status} ${sent.body.slice(0, 300)}`);
      const link = new URL(linkIn(await t.mail.waitFor('jonas.proof@uni.example'), '/external-login/')).pathname;

      // The phone never did the first sign-in: it must prove the iD before the link works there.
      const phone = new RoutedBrowser(null, t.url);
      phone.routeTo = 'l1';
      assert.match((await phone.get(link)).body, /Sign in with ORCID to continue/);
      assertRefused(await phone.post(`${link}/create`, { confirm: 'yes' }), 403, 'IDENTITY_PROOF_REQUIRED');
      const proved = await signInWithOrcid(phone, orcid, {
        startPath: `${link}/prove`,
        form: {},
        authorize: () => (phone.routeTo = 'l2'),
      });
      assert.equal(proved.status, 303, proved.body.slice(0, 300));
      assert.equal(proved.location, link);
      phone.routeTo = 'l3';
      const created = await phone.post(`${link}/create`, { confirm: 'yes' });
      assert.equal(created.location, '/profile', `${created.status} ${created.body.slice(0, 300)}`);
      // The page, the refused create and the proof's start on l1, ORCID's callback on l2, the create on l3.
      assert.deepEqual(
        phone.served.map((s) => `${s.method} ${s.by}`),
        ['GET l1', 'POST l1', 'POST l1', 'GET l2', 'POST l3'],
      );

      await madeOnce('jonas.proof@uni.example', 'orcid', orcid);
    });

    test('OpenID provider: authorize and sign in on one process, code redeemed on another, userinfo on a third', async () => {
      const email = 'oidc.cross@uni.example';
      await t.seedPasswordAccounts([email]);
      const { client, secret } = await addOidcClient(
        t.db,
        { name: 'Balanced repository', redirectUris: [REDIRECT], auth: 'client_secret_basic' },
        new Date(),
      );
      const served: string[] = [];
      const routed = (name: string) => (config: oidc.Configuration) => {
        config[oidc.customFetch] = async (url, options) => {
          const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
          headers.set(ROUTE_TO, name);
          const res = await fetch(url, { ...options, headers } as RequestInit);
          served.push(res.headers.get(SERVED_BY) ?? '');
          return res;
        };
      };
      const discover = (name: string) =>
        oidc.discovery(new URL(`${t.url}/oidc`), client.client_id, undefined, oidc.ClientSecretBasic(secret!), {
          execute: [oidc.allowInsecureRequests, routed(name)],
        });
      const [at1, at2, at3] = [await discover('l1'), await discover('l2'), await discover('l3')];
      const b = new RoutedBrowser(null, t.url);
      b.routeTo = 'l1';
      const step = await authorizeWithPassword(at1, email, REDIRECT, { browser: b, scope: 'openid email' });
      assert.ok(b.served.length > 2 && b.served.every((s) => s.by === 'l1'), JSON.stringify(b.served));
      served.length = 0;
      const tokens = await oidc.authorizationCodeGrant(at2, step.callback, {
        pkceCodeVerifier: step.verifier,
        expectedNonce: step.nonce,
        idTokenExpected: true,
      });
      const info = await oidc.fetchUserInfo(at3, tokens.access_token, tokens.claims()!.sub);
      assert.equal(info.email, email);
      assert.deepEqual(served, ['l2', 'l3']);
    });

    test(
      'SAML: AuthnRequest from one process, the IdP’s POST to the ACS on another, the callback on a third',
      {
        skip: samlMissing || false,
      },
      async () => {
        const user = await addSamlUser(idp!, { mail: ['saml.cross@uni-a.example'], displayName: ['Saml Cross'] });
        const b = new RoutedBrowser(null, t.url);
        b.routeTo = 'l1';
        const start = await b.get('/auth/uni');
        assert.equal(start.status, 303, start.body.slice(0, 300));
        const post = await answerAtIdp(b, start.location!, user);
        assert.equal(new URL(post.action).origin, t.url, 'the IdP posts to the balancer');
        // The IdP's cross-site POST carries no cookie: a cookie-less browser, to another process.
        const idpPost = new RoutedBrowser(null, t.url);
        idpPost.routeTo = 'l2';
        const acs = await idpPost.post(new URL(post.action).pathname, post.fields);
        assert.equal(acs.status, 303, acs.body.slice(0, 600));
        b.routeTo = 'l3';
        const callback = await b.get(acs.location!);
        assert.equal(callback.status, 303, callback.body.slice(0, 600));
        assert.match(callback.location ?? '', /^\/external-login\//);
        b.routeTo = 'l1';
        await b.get(callback.location!);
        b.routeTo = 'l2';
        const created = await b.post(`${callback.location}/create`, {});
        assert.equal(created.location, '/profile', `${created.status} ${created.body.slice(0, 300)}`);
        assert.deepEqual(
          [b.served[0]!.by, idpPost.served[0]!.by, b.servedBy('GET', new URL(acs.location!, t.url).pathname)],
          ['l1', 'l2', 'l3'],
        );
        await madeOnce('saml.cross@uni-a.example', 'uni');
      },
    );

    test('the per-address sign-in limit counts attempts made on every process', async () => {
      const client = new AddressClient(t.url, '127.0.0.61');
      const served: string[] = [];
      for (let i = 0; i < SIGNIN_PER_MINUTE; i++) {
        const res = await client.pageLogin(`nobody-${i}@limit.example`, 'a wrong password');
        assert.equal(res.status, 401, `attempt ${i + 1}`);
        served.push(String(res.headers[SERVED_BY]));
      }
      assert.deepEqual(new Set(served), new Set(['l1', 'l2', 'l3']), 'the attempts were spread');
      const refused = await client.pageLogin('nobody-last@limit.example', 'a wrong password');
      assert.equal(refused.status, 429);
      assert.match(refused.body, /RATE_LIMITED/);
    });

    test('the per-account password throttle counts failures made on every process', async () => {
      const email = 'throttled.cross@uni.example';
      await t.seedPasswordAccounts([email]);
      const client = new AddressClient(t.url, '127.0.0.62');
      // Allowance: 5 failures per address and account, then a delay (1 s, 2 s, 4 s, …) refuses the
      // next attempt. Counted per process, three processes would allow 15 before the first refusal.
      // The attempts go on until one is refused, up to 11 (under the per-address limit): the
      // later ones meet delays of 8 and 16 s, so a busy machine slow between two attempts cannot
      // let them all through.
      let refusedAt = 0;
      const served = new Set<string>();
      for (let i = 1; i <= 11 && !refusedAt; i++) {
        const res = await client.pageLogin(email, `wrong password ${i}`);
        served.add(String(res.headers[SERVED_BY]));
        if (res.status === 429) refusedAt = i;
        else assert.equal(res.status, 401, `attempt ${i}`);
      }
      assert.ok(refusedAt >= 6 && refusedAt <= 11, `first refusal at attempt ${refusedAt}`);
      assert.equal(served.size, 3, 'the attempts were spread over the three processes');
      // The right password from an address that never failed is not delayed.
      const owner = new AddressClient(t.url, '127.0.0.63');
      const ok = await owner.pageLogin(email, TOPOLOGY_PASSWORD);
      assert.equal(ok.status, 303, ok.body.slice(0, 300));
    });
  });
});
