import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectDatabase, type Db } from '../../src/db/connect.js';
import { countIdps } from '../../src/providers/saml/catalogue.js';
import { freshPostgresDatabase, skipReason } from '../support/databases.js';
import { signWithXmlsec1, writeAggregate } from '../support/federation.js';
import { type FileServer, startFileServer } from '../support/file-server.js';
import { runLanyardCli } from '../support/lanyard-process.js';
import { testKeys } from '../support/saml-idp.js';
import { withSamlPeers } from '../support/saml-peers.js';
import { spKeys } from '../support/saml-sign-in.js';

const FEDERATION = testKeys(0);

/**
 * `npx lanyard saml refresh` as an operator runs it: a real process against PostgreSQL, fetching
 * signed aggregates from a federation's web server.
 */
withSamlPeers('npx lanyard saml refresh', () =>
  describe('npx lanyard saml refresh (against PostgreSQL)', async () => {
    const reason = await skipReason('postgres');
    let pg: Awaited<ReturnType<typeof freshPostgresDatabase>>;
    let db: Db;
    let server: FileServer;
    let dir: string;
    const env = () => ({
      LANYARD_DATABASE_URL: pg.url,
      LANYARD_SECRET_KEY: 'c'.repeat(64),
      LANYARD_REQUIRE_SMTP: 'false',
      LANYARD_ORCID_ENV: 'off',
      LANYARD_PROVIDERS: JSON.stringify([
        {
          id: 'fed',
          type: 'saml',
          label: 'Federation',
          federationMetadataUrl: `${server.url}/fed.xml`,
          federationCert: FEDERATION.certificate,
          ...spKeys(),
        },
        {
          id: 'gone',
          type: 'saml',
          label: 'Gone',
          federationMetadataUrl: `${server.url}/gone.xml`,
          federationCert: FEDERATION.certificate,
          ...spKeys(),
        },
      ]),
    });
    const cli = (args: string[]) => runLanyardCli(['saml', 'refresh', ...args], env());

    before(async () => {
      if (reason) return;
      dir = mkdtempSync(join(tmpdir(), 'lanyard-refresh-cli-'));
      server = await startFileServer();
      for (const [name, idps] of [
        ['small', 20],
        ['other', 30],
      ] as const) {
        await writeAggregate(join(dir, `${name}.unsigned.xml`), { idps, id: `_${name}` });
        await signWithXmlsec1(join(dir, `${name}.unsigned.xml`), join(dir, `${name}.xml`), FEDERATION);
      }
      writeFileSync(
        join(dir, 'tampered.xml'),
        readFileSync(join(dir, 'other.xml'), 'utf8').replace('>uni3.example.org<', '>uni-b.example<'),
      );
      pg = await freshPostgresDatabase();
      db = await connectDatabase({ databaseUrl: pg.url, dataDir: 'memory://' });
      const migrated = await runLanyardCli(['migrate'], env());
      assert.equal(migrated.code, 0, migrated.stderr);
    });
    after(async () => {
      await db?.destroy();
      await pg?.drop();
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    describe(reason ? `skipped: ${reason}` : 'commands', { skip: reason || false }, () => {
      test('refreshing one entry imports its aggregate, then finds it unchanged', async () => {
        server.files.set('/fed.xml', join(dir, 'small.xml'));
        const first = await cli(['fed']);
        assert.equal(first.code, 0, first.stdout + first.stderr);
        assert.match(
          first.stdout,
          /^fed: fetching http:\/\/127\.0\.0\.1:\d+\/fed\.xml\nfed: imported 20 IdPs in [\d.]+ s \(valid until 20\d\d-/,
        );
        assert.ok(!first.stdout.includes('gone'), 'only the entry named');
        assert.equal(await countIdps(db, 'fed'), 20);
        const again = await cli(['fed']);
        assert.equal(again.code, 0, again.stdout + again.stderr);
        assert.match(again.stdout, /\nfed: unchanged\n$/);
      });

      test('refreshing every entry reports each; one that fails makes the exit code 1 and the others still import', async () => {
        server.files.set('/fed.xml', join(dir, 'other.xml'));
        const run = await cli([]);
        assert.equal(run.code, 1);
        assert.match(run.stdout, /\nfed: imported 30 IdPs /);
        assert.match(run.stdout, /\ngone: failed: .*HTTP 404.*; no copy was imported before\n/);
        assert.equal(await countIdps(db, 'fed'), 30);
      });

      test('a tampered aggregate is refused, the last good copy stays in use, and the exit code is 1', async () => {
        server.files.set('/fed.xml', join(dir, 'tampered.xml'));
        const run = await cli(['fed']);
        assert.equal(run.code, 1);
        assert.match(run.stdout, /\nfed: failed: .*signature.*; the last good copy \(30 IdPs\) stays in use\n$/);
        assert.equal(await countIdps(db, 'fed'), 30);
        const row = await db
          .selectFrom('saml_metadata')
          .selectAll()
          .where('provider', '=', 'fed')
          .executeTakeFirstOrThrow();
        assert.match(row.last_error ?? '', /signature/);
      });

      test('an id that is not a saml provider exits 1 naming the ones there are; two ids exit 2', async () => {
        const unknown = await cli(['nope']);
        assert.equal(unknown.code, 1);
        assert.match(unknown.stderr, /No saml provider has the id "nope"; the saml providers are: fed, gone\./);
        const two = await cli(['fed', 'gone']);
        assert.equal(two.code, 2);
        assert.match(two.stderr, /usage: npx lanyard saml refresh \[id\]/);
      });
    });
  }),
);
