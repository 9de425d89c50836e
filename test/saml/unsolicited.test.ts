import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  readAcsForm,
  addSamlUser,
  forEachBackendWithSamlIdp,
  resign,
  responseXml,
  withResponse,
} from '../support/saml-sign-in.js';
import { PUBLIC_URL } from '../support/test-app.js';

/**
 * An entry that allows IdP-initiated sign-in (`allowIdpInitiated`): the ACS starts the flow
 * itself (its answer sets the flow cookie), and the response is still single-use.
 */
forEachBackendWithSamlIdp(
  'IdP-initiated SAML sign-in where the entry allows it',
  (ctx) => {
    test('an unsolicited response signs in once; posted again it is refused as replayed (403 SAML_REPLAYED)', async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, { mail: ['unsolicited@uni-a.example'] });
      const browser = app.browser();
      const page = await browser.get(
        `${idp.baseUrl}/unsolicited?sp=${encodeURIComponent(`${PUBLIC_URL}/auth/uni/metadata`)}&login_as=${user}`,
      );
      const post = readAcsForm(page);
      assert.doesNotMatch(Buffer.from(post.fields.SAMLResponse!, 'base64').toString(), /InResponseTo/);
      const acs = await browser.post('/auth/uni/acs', post.fields);
      assert.equal(acs.status, 303, acs.body.match(/[A-Z]+_[A-Z_]+/g)?.join(' '));
      const back = await browser.get(acs.location!);
      assert.equal(back.status, 303);
      assert.match(back.location!, /^\/external-login\//);
      const again = await app.browser().post('/auth/uni/acs', post.fields);
      assert.equal(again.status, 403);
      assert.match(again.body, /SAML_REPLAYED/);
    });

    test('an unsolicited assertion valid for three days (signed by the IdP) is refused: the replay cache keeps a day', async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, {});
      const page = await app
        .browser()
        .get(
          `${idp.baseUrl}/unsolicited?sp=${encodeURIComponent(`${PUBLIC_URL}/auth/uni/metadata`)}&login_as=${user}&encrypt=0`,
        );
      const post = readAcsForm(page);
      const later = new Date(Date.now() + 3 * 86400_000).toISOString().replace(/\.\d+Z$/, 'Z');
      const xml = responseXml(post).replace(/NotOnOrAfter="[^"]+"/g, `NotOnOrAfter="${later}"`);
      const refused = await app.browser().post('/auth/uni/acs', withResponse(post, await resign(xml, idp.keys)).fields);
      assert.equal(refused.status, 400, refused.body.slice(0, 400));
      assert.match(refused.body, /SAML_RESPONSE_INVALID/);
      const sessions = await app.lanyard.db.selectFrom('session').select('id').execute();
      assert.equal(sessions.length, 0);
    });

    test('the lab entry (not allowing it) still refuses unsolicited responses (403 SAML_UNSOLICITED)', async () => {
      const { app, idp } = ctx();
      const user = await addSamlUser(idp, {});
      const page = await app
        .browser()
        .get(`${idp.baseUrl}/unsolicited?sp=${encodeURIComponent(`${PUBLIC_URL}/auth/lab/metadata`)}&login_as=${user}`);
      const refused = await app.browser().post('/auth/lab/acs', readAcsForm(page).fields);
      assert.equal(refused.status, 403);
      assert.match(refused.body, /SAML_UNSOLICITED/);
    });
  },
  { uni: { allowIdpInitiated: true } },
);
