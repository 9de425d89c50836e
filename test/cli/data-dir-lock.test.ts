import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectDatabase, type Db } from '../../src/db/connect.js';
import { lockFileOf } from '../../src/db/data-dir-lock.js';
import { findAccountByEmail } from '../../src/stores/accounts.js';
import { freePort } from '../support/listening-app.js';
import { LanyardProcess, runLanyardCli } from '../support/lanyard-process.js';

const PASSWORD = 'an admin password long enough';
/** One of the demo's accounts (npm start without configuration makes them); not an admin. */
const GRACE = 'grace.hopper@example.edu';

/** The pid of a process that has ended (a lock naming it is stale). */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;

/**
 * PGlite is PostgreSQL in one process: a CLI command or a second server that opened the data
 * directory of a running Lanyard wrote its own copy of the pages, and one process's changes were
 * lost (an admin created by the CLI vanished while its audit event stayed). The directory is now
 * one process's at a time (src/db/data-dir-lock.ts).
 */
describe('the embedded database is one process’s at a time (npm start, npx lanyard)', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: LanyardProcess | undefined;
  const lockFile = () => lockFileOf(dataDir);
  const lockPid = () => Number(readFileSync(lockFile(), 'utf8').trim().split(' ')[0]);
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runLanyardCli(args, { ...env, LANYARD_ADMIN_PASSWORD: PASSWORD, ...extra });
  const start = async () => {
    const port = await freePort();
    server = await LanyardProcess.start({
      ...env,
      LANYARD_PORT: String(port),
      LANYARD_HOST: '127.0.0.1',
      LANYARD_PUBLIC_URL: `http://127.0.0.1:${port}`,
    });
    return `http://127.0.0.1:${port}`;
  };
  /** Opens the database in this process, reads, closes. */
  const read = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
    const db = await connectDatabase({ databaseUrl: null, dataDir });
    try {
      return await fn(db);
    } finally {
      await db.destroy();
    }
  };

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'lanyard-lock-'));
    env = { LANYARD_DATA_DIR: dataDir };
  });
  after(async () => {
    await server?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('while Lanyard runs, commands that open the database and a second server refuse, naming its pid, and change nothing', async () => {
    const url = await start();
    const pid = server!.pid;
    assert.equal(lockPid(), pid);
    const refusal = new RegExp(`Lanyard is running on this data directory \\(pid ${pid}\\); stop it first`);
    for (const args of [
      ['admin', 'create', GRACE],
      ['migrate'],
      ['accounts', 'merge', 'a@example.org', 'b@example.org'],
      ['clients', 'add', '--name=Repository', '--redirect-uri=https://repo.example.org/cb'],
      ['oidc', 'rotate-keys'],
    ]) {
      const run = await cli(args);
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, refusal, args.join(' '));
      assert.equal(run.stdout, '', args.join(' '));
    }
    const second = await runLanyardCli(
      [],
      { ...env, LANYARD_PORT: String(await freePort()), LANYARD_HOST: '127.0.0.1' },
      '',
      'src/main.ts',
    );
    assert.equal(second.code, 1, second.stdout);
    assert.match(second.stderr, new RegExp(`^Lanyard cannot start: ${refusal.source}`, 'm'));
    assert.equal(lockPid(), pid, 'the running server keeps its lock');
    assert.deepEqual(await (await fetch(`${url}/readyz`)).json(), { status: 'ready' });

    assert.equal(await server!.stop('SIGTERM'), 0, server!.output);
    assert.equal(existsSync(lockFile()), false, 'a server that stops removes its lock');
    await read(async (db) => {
      const grace = await findAccountByEmail(db, GRACE);
      assert.equal(grace?.is_admin, false, 'the refused admin create made an admin');
      const audit = await db
        .selectFrom('audit_event')
        .select('action')
        .where('action', '=', 'admin_action')
        .where('account_id', '=', grace!.id)
        .execute();
      assert.deepEqual(audit, [], 'a refused command audited something');
      assert.equal(
        (await db.selectFrom('oidc_payload').select('id').where('model', '=', 'Client').execute()).length,
        0,
      );
    });
  });

  test('a server killed with -9 leaves a stale lock: npm start and the CLI take it over', async () => {
    await start();
    const killed = server!.pid;
    await server!.stop('SIGKILL');
    assert.equal(lockPid(), killed, 'kill -9 leaves the lock behind');
    await start();
    assert.equal(lockPid(), server!.pid);
    assert.equal(await server!.stop('SIGTERM'), 0, server!.output);

    // A restarted container: the lock's pid is alive again, but as another process (here the test
    // runner's parent, with a start time it never had): taken over, not held for ever.
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    writeFileSync(lockFile(), `${process.ppid} ${boot} 1\n`);
    const reused = await cli(['clients', 'list']);
    assert.equal(reused.code, 0, reused.stderr);
    assert.equal(existsSync(lockFile()), false, 'the command took the stale lock over and removed it');

    writeFileSync(lockFile(), `${deadPid()}\n`);
    const created = await cli(['admin', 'create', GRACE]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^Promoted admin account grace\.hopper@example\.edu/);
    assert.equal(existsSync(lockFile()), false, 'the command removes its lock');
    await read(async (db) => {
      const grace = await findAccountByEmail(db, GRACE);
      assert.equal(grace?.is_admin, true, 'the admin is kept');
      const audit = await db
        .selectFrom('audit_event')
        .select('id')
        .where('action', '=', 'admin_action')
        .where('account_id', '=', grace!.id)
        .execute();
      assert.equal(audit.length, 1, 'with its audit event');
    });
  });

  test('a process holding the directory (this test) is named, a second open in it is refused too; nothing changes', async () => {
    const db = await connectDatabase({ databaseUrl: null, dataDir });
    try {
      assert.equal(lockPid(), process.pid);
      // A second open in the same process is refused too: PGlite twice on one directory is the same harm.
      await assert.rejects(connectDatabase({ databaseUrl: null, dataDir }), { code: 'DATA_DIR_IN_USE' });
      const before = await db.selectFrom('account').select(['id', 'updated_at']).orderBy('id').execute();
      const run = await cli(['admin', 'create', 'ada.lovelace@example.edu']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, new RegExp(`\\(pid ${process.pid}\\); stop it first`));
      assert.deepEqual(await db.selectFrom('account').select(['id', 'updated_at']).orderBy('id').execute(), before);
    } finally {
      await db.destroy();
    }
    assert.equal(existsSync(lockFile()), false);
    assert.equal(await read((db) => findAccountByEmail(db, 'ada.lovelace@example.edu')), undefined);
  });
});
