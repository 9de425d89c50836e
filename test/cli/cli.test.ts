import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseOrcidId } from '../../src/cli/commands/accounts-find-orcid.js';
import { connectDatabase, type Db } from '../../src/db/connect.js';
import { PasswordHasher } from '../../src/crypto/password.js';
import { createAccount, findAccountByEmail } from '../../src/stores/accounts.js';
import { insertIdentity } from '../../src/stores/identities.js';
import { createSession } from '../../src/stores/sessions.js';
import { freshPostgresDatabase, skipReason } from '../support/databases.js';
import { expectNoChange } from '../support/db-snapshot.js';
import { runLanyardCli } from '../support/lanyard-process.js';

const SECRET = 'c'.repeat(64);
const ADMIN_PASSWORD = 'an admin password long enough';

test('parseOrcidId accepts bare iDs and orcid.org URIs with a valid check digit only', () => {
  assert.equal(parseOrcidId('0000-0002-1825-0097'), '0000-0002-1825-0097');
  assert.equal(parseOrcidId('https://orcid.org/0000-0001-5109-3700'), '0000-0001-5109-3700');
  assert.equal(parseOrcidId('https://sandbox.orcid.org/0000-0002-1694-233x'), '0000-0002-1694-233X');
  for (const bad of ['0000-0002-1825-0098', '0000000218250097', 'https://evil.org/0000-0002-1825-0097', ''])
    assert.equal(parseOrcidId(bad), null, bad);
});

describe('npx lanyard (against PostgreSQL)', async () => {
  const reason = await skipReason('postgres');
  let pg: Awaited<ReturnType<typeof freshPostgresDatabase>>;
  let env: Record<string, string>;
  let db: Db;
  const cli = (args: string[], extra: Record<string, string> = {}, input = '') =>
    runLanyardCli(args, { ...env, ...extra }, input);

  before(async () => {
    if (reason) return;
    pg = await freshPostgresDatabase();
    env = {
      LANYARD_DATABASE_URL: pg.url,
      LANYARD_SECRET_KEY: SECRET,
      LANYARD_REQUIRE_SMTP: 'false',
      LANYARD_ORCID_ENV: 'off',
    };
    db = await connectDatabase({ databaseUrl: pg.url, dataDir: 'memory://' });
  });
  after(async () => {
    await db?.destroy();
    await pg?.drop();
  });

  describe(reason ? `skipped: ${reason}` : 'commands', { skip: reason || false }, () => {
    test('help lists every command; no command means help; an unknown one exits 2', async () => {
      const help = await cli(['help']);
      assert.equal(help.code, 0);
      for (const usage of [
        'config check',
        'migrate',
        'accounts show <email>',
        'accounts find-orcid <iD>',
        'admin create <email>',
        'saml refresh [id]',
      ])
        assert.ok(help.stdout.includes(usage), usage);
      assert.equal((await cli([])).stdout, help.stdout);
      const unknown = await cli(['frobnicate']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown command "frobnicate"/);
    });

    test('config check prints the settings with every secret masked, and the exact ORCID redirect URI', async () => {
      const orcid = {
        LANYARD_PUBLIC_URL: 'https://login.example.org',
        LANYARD_ORCID_ENV: 'sandbox',
        LANYARD_ORCID_CLIENT_ID: 'APP-ABCDEFGHIJKLMNOP',
        LANYARD_ORCID_CLIENT_SECRET: 'orcid-client-secret-value',
      };
      const dbUrl = new URL(pg.url);
      dbUrl.password = 'database-password-value';
      const run = await cli(['config', 'check'], { ...orcid, LANYARD_DATABASE_URL: dbUrl.href });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Configuration is valid\./);
      assert.match(run.stdout, /publicUrl +https:\/\/login\.example\.org\n/);
      assert.match(
        run.stdout,
        /Register this redirect URI at ORCID sandbox[^\n]*\n {2}https:\/\/login\.example\.org\/api\/authn\/orcid\n/,
      );
      for (const secret of [SECRET, 'orcid-client-secret-value', 'database-password-value'])
        assert.ok(!run.stdout.includes(secret), `${secret} printed`);
      assert.match(run.stdout, /orcid\.clientSecret +\*{8}/);
    });

    test('config check on a bad setting exits 1 naming the key and the fix', async () => {
      const run = await cli(['config', 'check'], { LANYARD_PORT: 'eighty' });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^Configuration is invalid: LANYARD_PORT must be a whole number.*Fix: /);
      assert.equal(run.stdout, '');
    });

    test('config check refuses the built-in emulator beside PostgreSQL, and a setting the mode ignores', async () => {
      // Its open admin API would let anyone add an ORCID user with a victim's verified email.
      const emulator = await cli(['config', 'check'], { LANYARD_ORCID_ENV: 'emulator' });
      assert.equal(emulator.code, 1);
      assert.match(emulator.stderr, /^Configuration is invalid: LANYARD_ORCID_ENV is emulator.*Fix: .*custom/);
      const ignored = await cli(['config', 'check'], {
        LANYARD_ORCID_ENV: 'sandbox',
        LANYARD_ORCID_CLIENT_ID: 'APP-ABCDEFGHIJKLMNOP',
        LANYARD_ORCID_CLIENT_SECRET: 'orcid-client-secret-value',
        LANYARD_ORCID_SITE_URL: 'https://orcid.example.org',
      });
      assert.equal(ignored.code, 1);
      assert.match(ignored.stderr, /^Configuration is invalid: LANYARD_ORCID_SITE_URL has no effect.*Fix: /);
      assert.equal(ignored.stdout, '');
    });

    test('commands refuse an unmigrated database; migrate applies once, then reports up to date', async () => {
      const early = await cli(['accounts', 'show', 'nobody@example.org']);
      assert.equal(early.code, 1);
      assert.match(early.stderr, /not migrated.*npx lanyard migrate/);
      const first = await cli(['migrate']);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^Applied: 0001-initial/);
      assert.deepEqual(await cli(['migrate']), { code: 0, stdout: 'The database is up to date.\n', stderr: '' });
    });

    test('admin create makes a verified admin whose password works; accounts show lists it with its audit trail', async () => {
      const run = await cli(['admin', 'create', 'Root@Example.org'], { LANYARD_ADMIN_PASSWORD: ADMIN_PASSWORD });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Created admin account root@example\.org .*password set\./);
      const account = (await findAccountByEmail(db, 'root@example.org'))!;
      assert.equal(account.is_admin, true);
      assert.ok(account.email_verified_at);
      const identity = await db
        .selectFrom('identity')
        .selectAll()
        .where('account_id', '=', account.id)
        .executeTakeFirstOrThrow();
      assert.ok(
        await new PasswordHasher({ memoryCost: 19456, timeCost: 2, parallelism: 1, maxConcurrent: 1 }).verify(
          identity.password_hash,
          ADMIN_PASSWORD,
        ),
      );

      const show = await cli(['accounts', 'show', 'root@example.org']);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, new RegExp(`^Account ${account.id}\\n {2}email +root@example\\.org \\(verified`));
      assert.match(show.stdout, /admin: yes/);
      assert.match(show.stdout, /Identities \(1\)\n {2}password/);
      assert.match(show.stdout, /admin_action success/);
    });

    test('admin create reads the password from stdin; promoting an account keeps its password', async () => {
      const created = await cli(['admin', 'create', 'piped@example.org'], {}, `${ADMIN_PASSWORD}\n`);
      assert.equal(created.code, 0, created.stderr);
      const before = await db
        .selectFrom('identity')
        .select('password_hash')
        .where('subject', '=', (await findAccountByEmail(db, 'piped@example.org'))!.id)
        .executeTakeFirstOrThrow();
      const again = await cli(['admin', 'create', 'piped@example.org']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^Promoted admin account piped@example\.org .*password unchanged\./);
      const after = await db
        .selectFrom('identity')
        .select('password_hash')
        .where('subject', '=', (await findAccountByEmail(db, 'piped@example.org'))!.id)
        .executeTakeFirstOrThrow();
      assert.equal(after.password_hash, before.password_hash);
    });

    test("admin create with a new password ends the account's sessions, as a reset does; the same password again ends nothing", async () => {
      const email = 'recovered@example.org';
      assert.equal((await cli(['admin', 'create', email], { LANYARD_ADMIN_PASSWORD: ADMIN_PASSWORD })).code, 0);
      const account = (await findAccountByEmail(db, email))!;
      const live = async () =>
        (
          await db
            .selectFrom('session')
            .select('id')
            .where('account_id', '=', account.id)
            .where('revoked_at', 'is', null)
            .execute()
        ).length;
      // Someone signed in with the old password (an intruder the operator is locking out).
      await createSession(db, { accountId: account.id, amr: ['pwd'], ttlSeconds: 3600 }, new Date());
      const replaced = await cli(['admin', 'create', email], { LANYARD_ADMIN_PASSWORD: `${ADMIN_PASSWORD} renewed` });
      assert.equal(replaced.code, 0, replaced.stderr);
      assert.match(replaced.stdout, /password set\./);
      assert.equal(await live(), 0, 'a session of the old password survived its replacement');
      // A provisioning script run again with the password it set: nobody is signed out.
      await createSession(db, { accountId: account.id, amr: ['pwd'], ttlSeconds: 3600 }, new Date());
      const again = await cli(['admin', 'create', email], { LANYARD_ADMIN_PASSWORD: `${ADMIN_PASSWORD} renewed` });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /password unchanged\./);
      assert.equal(await live(), 1);
    });

    test('admin create refuses a weak or missing password and creates nothing', async () => {
      const weak = await cli(['admin', 'create', 'weak@example.org'], { LANYARD_ADMIN_PASSWORD: 'short' });
      assert.equal(weak.code, 1);
      assert.match(weak.stderr, /too_short/);
      const none = await cli(['admin', 'create', 'weak@example.org']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /No password given.*LANYARD_ADMIN_PASSWORD/);
      assert.equal(await findAccountByEmail(db, 'weak@example.org'), undefined);
    });

    test('accounts find-orcid finds the account an iD is linked to; unknown iD exits 1, a malformed one 2', async () => {
      const account = (await findAccountByEmail(db, 'root@example.org'))!;
      await insertIdentity(
        db,
        account.id,
        { provider: 'orcid', subject: '0000-0002-1825-0097', issuer: 'https://orcid.org' },
        new Date(),
      );
      const found = await cli(['accounts', 'find-orcid', 'https://orcid.org/0000-0002-1825-0097']);
      assert.equal(found.code, 0, found.stderr);
      assert.match(found.stdout, new RegExp(`^Account ${account.id}`));
      assert.match(found.stdout, /orcid +0000-0002-1825-0097/);
      const unknown = await cli(['accounts', 'find-orcid', '0000-0001-5109-3700']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /No account is linked to ORCID iD 0000-0001-5109-3700/);
      assert.equal((await cli(['accounts', 'find-orcid', '1234'])).code, 2);
    });

    test('accounts show: an unknown email exits 1, a missing argument exits 2 with the usage', async () => {
      const unknown = await cli(['accounts', 'show', 'ghost@example.org']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /No account has the email ghost@example\.org/);
      const missing = await cli(['accounts', 'show']);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /missing <email>\nusage: npx lanyard accounts show <email>/);
    });

    test('accounts merge: --dry-run changes nothing, then merges by email; refusals exit 1 with their stable code', async () => {
      const now = new Date();
      const make = async (email: string, provider: string, subject: string) => {
        const account = await createAccount(db, { email, email_verified_at: now }, now);
        await insertIdentity(db, account.id, { provider, subject }, now);
        return account;
      };
      const survivor = await make('keep@example.org', 'orcid', '0000-0001-5109-3700');
      const duplicate = await make('dup@example.org', 'saml-uni', 'dup@idp.example');
      const dry = await expectNoChange(db, () =>
        cli(['accounts', 'merge', 'keep@example.org', duplicate.id, '--dry-run', '--json']),
      );
      assert.equal(dry.code, 0, dry.stderr);
      const preview = JSON.parse(dry.stdout) as { dryRun: boolean; identities: { provider: string }[] };
      assert.equal(preview.dryRun, true);
      assert.deepEqual(
        preview.identities.map((i) => i.provider),
        ['saml-uni'],
      );
      const done = await cli(['accounts', 'merge', 'Keep@Example.org', 'dup@example.org']);
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /^Merged:\n {2}survivor +[0-9a-f-]+ +keep@example\.org/);
      assert.match(done.stdout, /identities moved to the survivor: 1\n {4}saml-uni +dup@idp\.example/);
      const moved = await db
        .selectFrom('identity')
        .select('account_id')
        .where('subject', '=', 'dup@idp.example')
        .executeTakeFirstOrThrow();
      assert.equal(moved.account_id, survivor.id);
      assert.equal((await findAccountByEmail(db, 'dup@example.org'))!.status, 'disabled');
      const audited = await db
        .selectFrom('audit_event')
        .select(['account_id', 'actor_account_id', 'detail'])
        .where('action', '=', 'accounts_merged')
        .execute();
      assert.equal(audited.length, 2);
      for (const e of audited) assert.match(String((e.detail as { by?: unknown }).by), /^cli:\S+$/);
      const mails = await db
        .selectFrom('email_outbox')
        .select('to_address')
        .where('kind', '=', 'account_merged')
        .execute();
      assert.deepEqual(mails.map((m) => m.to_address).sort(), ['dup@example.org', 'keep@example.org']);

      await expectNoChange(db, async () => {
        const again = await cli(['accounts', 'merge', 'keep@example.org', 'dup@example.org']);
        assert.equal(again.code, 1);
        assert.match(again.stderr, /^lanyard: MERGE_NOTHING_TO_MOVE: /m);
      });
      const other = await make('other-orcid@example.org', 'orcid', '0000-0002-1694-233X');
      await expectNoChange(db, async () => {
        const same = await cli(['accounts', 'merge', 'keep@example.org', other.id, '--json']);
        assert.equal(same.code, 1);
        assert.equal((JSON.parse(same.stdout) as { error: string }).error, 'MERGE_SAME_PROVIDER');
        assert.match(same.stderr, /MERGE_SAME_PROVIDER/);
        const unknown = await cli(['accounts', 'merge', 'keep@example.org', 'ghost@example.org']);
        assert.equal(unknown.code, 1);
        assert.match(unknown.stderr, /NOT_FOUND/);
        assert.equal((await cli(['accounts', 'merge', 'keep@example.org'])).code, 2);
      });
    });
  });
});
