import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { countIdps, findIdp, searchIdps } from '../../src/providers/saml/catalogue.js';
import { connectDatabase } from '../../src/db/connect.js';
import { claimRefresh, refreshMetadata, scheduleRefresh } from '../../src/providers/saml/metadata/refresh.js';
import { signWithXmlsec1, signatureTemplate, writeAggregate } from '../support/federation.js';
import { type FileServer, startFileServer } from '../support/file-server.js';
import { samlEntry } from '../support/saml.js';
import { testKeys } from '../support/saml-idp.js';
import { forEachBackend } from '../support/suite.js';
import { backends, skipReason } from '../support/databases.js';
import { spKeys } from '../support/saml-sign-in.js';
import { createTestApp } from '../support/test-app.js';
import { samlPeersMissing, withSamlPeers } from '../support/saml-peers.js';
import type { TestApp } from '../support/test-app.js';
import { waitUntil } from '../support/wait.js';

const FEDERATION = testKeys(0);
const ATTACKER = testKeys(2);
const BIG = 5000;

let dir: string;
let server: FileServer;

/** Aggregates made once for both databases: a big one, and small ones for each attack. */
before(async () => {
  if (samlPeersMissing()) return;
  dir = mkdtempSync(join(tmpdir(), 'lanyard-fed-test-'));
  server = await startFileServer();
  const sign = async (name: string, opts: Parameters<typeof writeAggregate>[1], keys = FEDERATION) => {
    await writeAggregate(join(dir, `${name}.unsigned.xml`), opts);
    await signWithXmlsec1(join(dir, `${name}.unsigned.xml`), join(dir, `${name}.xml`), keys);
    server.files.set(`/${name}.xml`, join(dir, `${name}.xml`));
  };
  await sign('big', { idps: BIG, sps: 500, id: '_big' });
  await sign('small', { idps: 20, id: '_small' });
  await sign('other', { idps: 30, id: '_other' });
  await sign('foreign-key', { idps: 20, id: '_foreign' }, ATTACKER);
  await sign('expired', { idps: 20, id: '_expired', validUntil: new Date(Date.now() - 86400_000) });
  await sign('timeless', { idps: 20, id: '_timeless', validUntil: null });
  // Tampered after signing: one IdP renamed and given another university's scope.
  const small = readFileSync(join(dir, 'small.xml'), 'utf8');
  writeFileSync(join(dir, 'tampered.xml'), small.replace('>uni3.example.org<', '>uni-b.example<'));
  server.files.set('/tampered.xml', join(dir, 'tampered.xml'));
  // A valid signature at the root that covers one entity only (signature wrapping on metadata).
  const entity = readFileSync(join(dir, 'small.unsigned.xml'), 'utf8')
    .replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/, signatureTemplate('#_entity0'))
    .replace('<md:EntityDescriptor entityID=', '<md:EntityDescriptor ID="_entity0" entityID=');
  writeFileSync(join(dir, 'wrapped.unsigned.xml'), entity);
  await signWithXmlsec1(join(dir, 'wrapped.unsigned.xml'), join(dir, 'wrapped.xml'), FEDERATION);
  server.files.set('/wrapped.xml', join(dir, 'wrapped.xml'));
  // A moved aggregate: followed on loopback, refused when it leads to plain http elsewhere.
  server.redirects.set('/moved.xml', '/other.xml');
  server.redirects.set('/to-plain-http.xml', 'http://192.0.2.1/aggregate.xml');
});

after(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

withSamlPeers('federation aggregates', () =>
  forEachBackend('federation aggregates', (ctx, backend) => {
    const federation = (path: string, id = 'fed') =>
      samlEntry({
        id,
        source: { kind: 'federation', url: `${server.url}${path}`, file: null, certificate: FEDERATION.certificate },
      });
    const deps = (app: TestApp) => ({ db: app.lanyard.db, clock: app.clock, log: app.lanyard.log });
    const status = (app: TestApp, id: string) =>
      app.lanyard.db.selectFrom('saml_metadata').selectAll().where('provider', '=', id).executeTakeFirstOrThrow();

    test(`a signed aggregate of ${BIG} IdPs (and 500 SPs) is imported; an unchanged one is not downloaded again`, async () => {
      const app = ctx();
      const entry = federation('/big.xml', 'big');
      const result = await refreshMetadata(deps(app), entry);
      assert.equal(result.outcome, 'imported', JSON.stringify(result));
      assert.equal(await countIdps(app.lanyard.db, 'big'), BIG);
      const idp = await findIdp(app.lanyard.db, 'big', 'https://idp.uni16.example.org/idp/shibboleth');
      assert.deepEqual(idp?.scopes, [{ value: 'uni16.example.org', regexp: false }]);
      assert.equal(idp?.names.de, 'Universität Kraków 16');
      assert.equal(idp?.ssoRedirect, 'https://idp.uni16.example.org/idp/profile/SAML2/Redirect/SSO');
      assert.deepEqual(idp?.categories, ['https://refeds.org/sirtfi']);
      const rs = await findIdp(app.lanyard.db, 'big', 'https://idp.uni18.example.org/idp/shibboleth');
      assert.deepEqual(rs?.categories, [
        'http://refeds.org/category/research-and-scholarship',
        'https://refeds.org/sirtfi',
      ]);
      assert.equal(idp?.signingCerts.length, 1);

      const byName = await searchIdps(app.lanyard.db, 'big', 'kraków 16', 10);
      assert.ok(byName.idps.some((i) => i.entityId === 'https://idp.uni16.example.org/idp/shibboleth'));
      const byDomain = await searchIdps(app.lanyard.db, 'big', 'uni4321.example.org', 10);
      assert.deepEqual(
        byDomain.idps.map((i) => i.entityId),
        ['https://idp.uni4321.example.org/idp/shibboleth'],
      );
      // hide-from-discovery: listed only for an exact domain.
      const hidden = 'https://idp.uni5.example.org/idp/shibboleth';
      assert.equal((await findIdp(app.lanyard.db, 'big', hidden))?.hidden, true);
      assert.ok(!(await searchIdps(app.lanyard.db, 'big', 'uni5', 50)).idps.some((i) => i.entityId === hidden));
      assert.ok(
        (await searchIdps(app.lanyard.db, 'big', 'uni5.example.org', 50)).idps.some((i) => i.entityId === hidden),
      );

      const downloads = server.hits.get('/big.xml');
      assert.deepEqual(await refreshMetadata(deps(app), entry), { outcome: 'unchanged' });
      assert.equal(server.hits.get('/big.xml'), downloads, 'the second refresh was answered 304');
    });

    for (const [name, path, reason] of [
      ['content changed after signing', '/tampered.xml', /signature/],
      ['signed with another key (its certificate in KeyInfo)', '/foreign-key.xml', /signature/],
      ['a root signature that covers one entity only', '/wrapped.xml', /covers "#_entity0"/],
      ['expired (validUntil in the past)', '/expired.xml', /expired/],
      ['without a validUntil (it would never run out)', '/timeless.xml', /carries no validUntil/],
      ['not found at its URL', '/missing.xml', /HTTP 404/],
      [
        'redirected to plain http on another host',
        '/to-plain-http.xml',
        /redirected to http:\/\/192\.0\.2\.1: only https/,
      ],
      ['at a plain http URL of another host', 'http://192.0.2.1/aggregate.xml', /is http:\/\/192\.0\.2\.1: only https/],
      ['at a server that is down', 'http://127.0.0.1:9/aggregate.xml', /fetch failed|ECONNREFUSED/],
    ] as const) {
      test(`an aggregate ${name} is refused and the last good copy stays`, async () => {
        const app = ctx();
        const id = `fed-${name.replace(/\W/g, '').slice(0, 20)}`;
        assert.equal((await refreshMetadata(deps(app), federation('/small.xml', id))).outcome, 'imported');
        const before = await app.lanyard.db.selectFrom('saml_idp').selectAll().where('provider', '=', id).execute();
        const entry = federation(path, id);
        const url = path.startsWith('http') ? path : entry.source.url;
        const result = await refreshMetadata(deps(app), { ...entry, source: { ...entry.source, url } });
        assert.equal(result.outcome, 'failed');
        assert.match((result as { error: string }).error, reason);
        const now = await app.lanyard.db.selectFrom('saml_idp').selectAll().where('provider', '=', id).execute();
        assert.deepEqual(now, before);
        const row = await status(app, id);
        assert.match(row.last_error ?? '', reason);
        assert.equal(row.idp_count, 20);
      });
    }

    test('an entry that waives requireValidUntil imports an aggregate without one, its IdPs with no end', async () => {
      const app = ctx();
      const entry = { ...federation('/timeless.xml', 'timeless'), requireValidUntil: false };
      const result = await refreshMetadata(deps(app), entry);
      assert.equal(result.outcome, 'imported', JSON.stringify(result));
      assert.equal((result as { validUntil: Date | null }).validUntil, null);
      assert.equal(await countIdps(app.lanyard.db, 'timeless'), 20);
      // Required again: the same document is not waved through as unchanged, the refresh says why
      // it cannot be used, every time.
      for (let i = 0; i < 2; i++) {
        const again = await refreshMetadata(deps(app), { ...entry, requireValidUntil: true });
        assert.equal(again.outcome, 'failed', JSON.stringify(again));
        assert.match((again as { error: string }).error, /carries no validUntil/);
      }
    });

    test('a changed aggregate replaces the IdPs of its entry, and only of its entry', async () => {
      const app = ctx();
      await refreshMetadata(deps(app), federation('/small.xml', 'one'));
      await refreshMetadata(deps(app), federation('/small.xml', 'two'));
      assert.equal((await refreshMetadata(deps(app), federation('/other.xml', 'one'))).outcome, 'imported');
      assert.equal(await countIdps(app.lanyard.db, 'one'), 30);
      assert.equal(await countIdps(app.lanyard.db, 'two'), 20);
    });

    test('a redirect on loopback is followed; the aggregate behind it is imported', async () => {
      const app = ctx();
      const result = await refreshMetadata(deps(app), federation('/moved.xml', 'moved'));
      assert.equal(result.outcome, 'imported', JSON.stringify(result));
      assert.equal(await countIdps(app.lanyard.db, 'moved'), 30);
    });

    test('the schedule imports at once when the entry has no copy, and not again while its copy is fresh', async () => {
      const app = ctx();
      const entry = federation('/other.xml', 'scheduled');
      const first = scheduleRefresh(deps(app), entry);
      await first.first;
      await first.stop();
      assert.equal(await countIdps(app.lanyard.db, 'scheduled'), 30);
      const checked = (await status(app, 'scheduled')).checked_at;
      const second = scheduleRefresh(deps(app), entry);
      assert.equal(await second.first, null, 'a fresh copy is not refreshed at start-up');
      await second.stop();
      assert.deepEqual((await status(app, 'scheduled')).checked_at, checked);
      app.clock.advance(entry.refreshMinutes * 60_000);
      const third = scheduleRefresh(deps(app), entry);
      assert.deepEqual(await third.first, { outcome: 'unchanged' }, 'an old copy is checked (304) at start-up');
      await third.stop();
      app.clock.advance(-entry.refreshMinutes * 60_000);
    });

    test('of two processes whose schedules fall due together, one claims the refresh and downloads', async () => {
      const app = ctx();
      const entry = federation('/small.xml', 'claimed');
      // A second process: its own connection (pool) to the same database; PGlite has one process.
      const other =
        backend === 'postgres'
          ? await connectDatabase({ databaseUrl: app.config.databaseUrl, dataDir: 'memory://' })
          : app.lanyard.db;
      try {
        const claims = await Promise.all([
          claimRefresh(deps(app), entry),
          claimRefresh({ ...deps(app), db: other }, entry),
        ]);
        assert.deepEqual(claims.filter(Boolean), [true], `claims: ${claims.join(', ')}`);
        app.clock.advance(entry.refreshMinutes * 60_000);
        const downloads = server.hits.get('/small.xml') ?? 0;
        const schedules = [scheduleRefresh(deps(app), entry), scheduleRefresh({ ...deps(app), db: other }, entry)];
        const results = await Promise.all(schedules.map((s) => s.first));
        await Promise.all(schedules.map((s) => s.stop()));
        assert.deepEqual(results.map((r) => r?.outcome ?? null).sort(), ['imported', null], JSON.stringify(results));
        assert.equal(server.hits.get('/small.xml'), downloads + 1, 'one download');
        assert.equal(await countIdps(app.lanyard.db, 'claimed'), 20);
      } finally {
        app.clock.advance(-entry.refreshMinutes * 60_000);
        if (other !== app.lanyard.db) await other.destroy();
      }
    });

    test('a metadata file larger than maxMetadataMegabytes is refused while downloading', async () => {
      const app = ctx();
      const entry = { ...federation('/big.xml', 'capped'), maxMetadataBytes: 1024 * 1024 };
      const result = await refreshMetadata(deps(app), entry);
      assert.equal(result.outcome, 'failed');
      assert.match((result as { error: string }).error, /larger than 1 MB/);
      assert.equal(await countIdps(app.lanyard.db, 'capped'), 0);
      // The refused download let go of its connection instead of leaving a paused 5000-IdP body
      // open until the response is collected.
      await waitUntil(
        async () => (await server.openConnections()) === 0,
        'the refused download to close its connection',
      );
    });
  }),
);

withSamlPeers('federation metadata in the running service', () => {
  for (const backend of backends()) {
    describe(`federation metadata in the running service [${backend}]`, async () => {
      const reason = await skipReason(backend);
      test(
        'an app imports its aggregate at start-up and again once refreshMinutes have passed',
        { skip: reason || false },
        async () => {
          server.files.set('/service.xml', join(dir, 'small.xml'));
          const providers = [
            {
              id: 'fed',
              type: 'saml',
              label: 'Federation',
              federationMetadataUrl: `${server.url}/service.xml`,
              federationCert: FEDERATION.certificate,
              refreshMinutes: 60,
              ...spKeys(),
            },
          ];
          const app = await createTestApp(
            backend,
            { LANYARD_PROVIDERS: JSON.stringify(providers) },
            { backgroundTickMs: 20 },
          );
          try {
            const { db } = app.lanyard;
            const row = () =>
              db.selectFrom('saml_metadata').selectAll().where('provider', '=', 'fed').executeTakeFirst();
            // The row is written once the import has committed.
            await waitUntil(async () => (await row())?.idp_count === 20, 'the import at start-up');
            const first = (await row())!;
            server.files.set('/service.xml', join(dir, 'other.xml'));
            // The schedule looks every 20 ms; nothing is due until refreshMinutes have passed.
            assert.equal(await countIdps(db, 'fed'), 20);
            app.clock.advance(60 * 60_000);
            await waitUntil(async () => (await row())?.idp_count === 30, 'the scheduled refresh');
            assert.equal(await countIdps(db, 'fed'), 30);
            const second = (await row())!;
            assert.equal(second.last_error, null);
            assert.ok(second.imported_at! > first.imported_at!);
          } finally {
            await app.close();
          }
        },
      );
    });
  }
});
