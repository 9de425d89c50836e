import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.js';
import { freePort } from '../support/listening-app.js';
import { authorizationRequest, redeem, registerRelyingParty, untilClient } from '../support/op-client.js';
import { addSamlUser, authenticateAtIdp, forEachBackendWithSamlIdp, spKeys } from '../support/saml-sign-in.js';

const port = await freePort();
const url = `http://127.0.0.1:${port}`;

/**
 * What a repository receives about someone who signed in to Lanyard through their institution (a
 * real pysaml2 IdP over HTTP): the released scoped affiliation, `amr` naming the provider, and no
 * `orcid` for an iD the institution merely released. Lanyard listens on a port so that the relying
 * party (openid-client) and the browser talk real HTTP to it.
 */
forEachBackendWithSamlIdp(
  'OpenID provider claims from a SAML sign-in',
  (ctx) => {
    const app = () => Object.assign(ctx().app, { url });
    before(async () => {
      await ctx().app.app.listen({ port, host: '127.0.0.1' });
    });

    /** Starts an authorization at a new client and signs in at the IdP through `provider`; ends at the client. */
    async function samlAuthorization(provider: string, user: string, scope: string) {
      const rp = await registerRelyingParty(app(), { redirect: 'https://repo.example/callback' });
      const b = new Browser(null, url);
      const req = await authorizationRequest(rp, { scope });
      const login = await b.follow(await b.get(req.url.href));
      const returnTo = new URL(login.url).searchParams.get('returnTo')!;
      const post = await authenticateAtIdp(b, user, { provider, returnTo });
      // The IdP's cross-site POST carries no cookie; the browser then follows the ACS's redirect.
      const acs = await new Browser(null, url).post(post.action, post.fields);
      assert.equal(acs.status, 303, acs.body.slice(0, 300));
      let page = await b.get(acs.location!);
      if (page.location?.startsWith('/external-login/')) {
        const registration = page.location;
        await b.get(registration);
        page = await b.post(`${registration}/create`, {});
      }
      const tokens = await redeem(rp, await untilClient(b, page, rp.redirect), req);
      const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub);
      return { rp, b, tokens, info };
    }

    test('the released eduPersonScopedAffiliation with its scope; amr names the provider; an institution’s ORCID iD is no orcid claim', async () => {
      const user = await addSamlUser(ctx().idp, {
        mail: ['affiliated@uni-a.example'],
        eduPersonScopedAffiliation: ['staff@uni-a.example', 'member@uni-a.example'],
        eduPersonOrcid: ['https://orcid.org/0000-0002-1825-0097'],
      });
      const { tokens, info } = await samlAuthorization(
        'lab',
        user,
        'openid profile email orcid eduperson_scoped_affiliation',
      );
      assert.deepEqual(tokens.claims()!.amr, ['lab']);
      assert.deepEqual([...(info.eduperson_scoped_affiliation as string[])].sort(), [
        'member@uni-a.example',
        'staff@uni-a.example',
      ]);
      assert.equal(info.email, 'affiliated@uni-a.example');
      assert.equal(info.orcid, undefined, 'the institution released it; ORCID never authenticated it');
      assert.equal(info.preferred_username, undefined);

      const plain = await samlAuthorization('lab', user, 'openid profile email');
      assert.equal(plain.info.eduperson_scoped_affiliation, undefined, 'not without its scope');
    });

    test('attack: an affiliation that ends in the IdP’s scope but holds another university’s (faculty@uni-b.example member@uni-a.example) reaches no repository', async () => {
      const user = await addSamlUser(ctx().idp, {
        mail: ['smuggler@uni-a.example'],
        eduPersonScopedAffiliation: ['staff@uni-a.example', 'faculty@uni-b.example member@uni-a.example'],
      });
      const { info } = await samlAuthorization('lab', user, 'openid eduperson_scoped_affiliation');
      assert.deepEqual(info.eduperson_scoped_affiliation, ['staff@uni-a.example']);
    });

    test('attack: a provider whose id is a method name (mfa) is amr ["ext"], never ["mfa"]', async () => {
      const user = await addSamlUser(ctx().idp, { mail: ['mfa-named@uni-a.example'] });
      const { tokens } = await samlAuthorization('mfa', user, 'openid');
      assert.deepEqual(tokens.claims()!.amr, ['ext']);
    });
  },
  {
    env: { LANYARD_PUBLIC_URL: url },
    extra: (idp) => [
      { id: 'mfa', type: 'saml', label: 'Named mfa', idpMetadataUrl: idp.metadataUrl, trustEmail: true, ...spKeys() },
    ],
  },
);
