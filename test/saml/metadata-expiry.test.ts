import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findIdp, searchIdps } from '../../src/providers/saml/catalogue.js';
import { refreshMetadata } from '../../src/providers/saml/metadata/refresh.js';
import type { SamlEntry } from '../../src/providers/saml/config.js';
import { backends, skipReason } from '../support/databases.js';
import { signWithXmlsec1, writeAggregate } from '../support/federation.js';
import { type SamlIdp, startSamlIdp, testKeys } from '../support/saml-idp.js';
import { samlPeersMissing } from '../support/saml-peers.js';
import { addSamlUser, authenticateAtIdp, postToAcs, spKeys } from '../support/saml-sign-in.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const FEDERATION = testKeys(0);
const DAY = 86400_000;

/**
 * A federation's aggregate says until when it vouches for its IdPs (validUntil). A copy that could
 * not be refreshed before then — the federation's server down, or kept unreachable by someone who
 * wants a key the federation withdrew to stay trusted — signs no one in once it has run out.
 */
for (const backend of backends()) {
  describe(`federation metadata past its validUntil [${backend}]`, async () => {
    const reason = samlPeersMissing() || (await skipReason(backend));
    let app: TestApp;
    let a: SamlIdp;
    let dir = '';
    if (!reason) {
      before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'lanyard-fed-expiry-'));
        a = await startSamlIdp({ displayName: 'University A', scopes: ['uni-a.example'] });
        const entities = [await (await fetch(a.metadataUrl)).text()];
        // The aggregate's own validUntil is two days ahead; University A's entity says nothing more.
        await writeAggregate(join(dir, 'unsigned.xml'), {
          idps: 3,
          entities,
          id: '_fed',
          validUntil: new Date(Date.now() + 2 * DAY),
        });
        await signWithXmlsec1(join(dir, 'unsigned.xml'), join(dir, 'aggregate.xml'), FEDERATION);
        const providers = [
          {
            id: 'fed',
            type: 'saml',
            label: 'Example Federation',
            federationMetadataFile: join(dir, 'aggregate.xml'),
            federationCert: FEDERATION.certificate,
            ...spKeys(),
          },
        ];
        app = await createTestApp(backend, { LANYARD_PROVIDERS: JSON.stringify(providers) });
        await a.trustSp((await app.browser().get('/auth/fed/metadata')).body);
      });
      after(async () => {
        await app?.close();
        await a?.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
      });
    }

    test(
      'signs in while current; once run out, neither a pending response nor a new start is taken, and a refresh of the same copy does not revive it',
      { skip: reason || false },
      async () => {
        const user = await addSamlUser(a, { eduPersonPrincipalName: [`e${Date.now()}@uni-a.example`] });
        const current = await postToAcs(
          app,
          app.browser(),
          await authenticateAtIdp(app.browser(), user, { provider: 'fed', idp: a.entityId }),
        );
        assert.equal(current.acs.status, 303, current.acs.body.slice(0, 400));
        const idp = await findIdp(app.lanyard.db, 'fed', a.entityId);
        assert.ok(idp?.validUntil, 'the IdP carries the aggregate’s validUntil');

        // A sign-in started before the copy runs out, answered after (the copy's end moved before
        // now, as the clock cannot pass it without the pending request expiring too).
        const browser = app.browser();
        const pending = await authenticateAtIdp(browser, user, { provider: 'fed', idp: a.entityId });
        await app.lanyard.db
          .updateTable('saml_idp')
          .set({ valid_until: new Date(app.clock.now().getTime() - 1000) })
          .where('provider', '=', 'fed')
          .execute();
        const refused = await postToAcs(app, browser, pending);
        assert.equal(refused.acs.status, 503, refused.acs.body.slice(0, 400));
        assert.match(refused.acs.body, /SAML_METADATA_EXPIRED/);
        assert.match(refused.acs.body, /University A/, 'the page names the IdP');
        assert.equal(refused.callback, null, 'no continuation');
        // The page names it in its own language where the metadata does (here regionally tagged, as
        // federations often do).
        await app.lanyard.db
          .updateTable('saml_idp')
          .set({ names: JSON.stringify({ en: 'University A', 'de-AT': 'Universität A' }) })
          .where('provider', '=', 'fed')
          .where('entity_id', '=', a.entityId)
          .execute();
        const german = app.browser();
        await german.get('/login?lang=de');
        const refusedDe = await german.get(`/auth/fed?idp=${encodeURIComponent(a.entityId)}`);
        assert.equal(refusedDe.status, 503);
        assert.match(refusedDe.body, /Die Angaben über Universität A sind veraltet/);

        // The copy itself runs out: the aggregate's validUntil passes.
        app.clock.advance(3 * DAY);
        const start = await app.browser().get(`/auth/fed?idp=${encodeURIComponent(a.entityId)}`);
        assert.equal(start.status, 503);
        assert.match(start.body, /SAML_METADATA_EXPIRED/);

        // The file is the same expired copy: the refresh says so, and it stays unusable.
        const entry = app.lanyard.config.providers.find((p) => p.id === 'fed') as SamlEntry;
        const refresh = await refreshMetadata(
          { db: app.lanyard.db, clock: app.clock, log: app.lanyard.log },
          entry,
          true,
        );
        assert.equal(refresh.outcome, 'failed', JSON.stringify(refresh));
        const again = await app.browser().get(`/auth/fed?idp=${encodeURIComponent(a.entityId)}`);
        assert.equal(again.status, 503);
        assert.deepEqual((await searchIdps(app.lanyard.db, 'fed', 'University A', 10, app.clock.now())).idps, []);
      },
    );
  });
}
