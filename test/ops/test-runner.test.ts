import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { waitUntil } from '../support/wait.js';

/**
 * The test run itself must count every result. A test file's process reports to the runner over a
 * pipe; on a busy machine the runner reads slowly, and a process that ended (`--test-force-exit`)
 * with results still queued lost them: fewer tests counted and the run still green, whatever the
 * lost results said. scripts/run-tests.mjs loads test/support/report-in-full.mjs into every
 * process of the run, which makes those writes blocking.
 */
describe('a test file whose runner is slow to read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lanyard-runner-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // Two results of about a megabyte each: more than the pipe holds, so the second is still queued
  // in the file's process when its tests are done.
  const file = join(dir, 'two.test.mjs');
  writeFileSync(
    file,
    `import { test } from 'node:test';
const name = 'x'.repeat(1 << 20);
test(\`a \${name}\`, () => {});
test(\`b \${name}\`, () => {});
`,
  );
  // As scripts/run-tests.mjs ends a file's process: --test-force-exit on Node 20, by itself later.
  const exitFlags = Number(process.versions.node.split('.')[0]) >= 22 ? [] : ['--test-force-exit'];

  /**
   * Starts the file as the runner does (NODE_TEST_CONTEXT; the runner's TAP form, whose results can
   * be counted) and reads nothing until its process has ended or waits in a write for the reader;
   * then reads everything. The results that arrived.
   */
  async function resultsArrived(imports: string[]): Promise<number> {
    const child = spawn(process.execPath, [...imports, ...exitFlags, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_TEST_CONTEXT: 'child' },
    });
    let exited = false;
    child.on('exit', () => (exited = true));
    const closed = new Promise((done) => child.on('close', done));
    child.stdout.pause();
    await waitUntil(async () => exited || waitsInWrite(child.pid!), 'the file to end or to wait for its reader');
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stdout.resume();
    await closed;
    return (out.match(/^ok \d+ /gm) ?? []).length;
  }

  test('with report-in-full.mjs every result arrives', async () => {
    assert.equal(await resultsArrived(['--import', resolve('test/support/report-in-full.mjs')]), 2);
  });

  test('without it the queued results are lost (what happened on a busy machine)', async (t) => {
    if (exitFlags.length === 0) return t.skip('Node 22 and later: the process ends by itself, after its writes');
    assert.ok((await resultsArrived([])) < 2);
  });

  test('the test run loads it: this file writes to its runner with blocking writes', (t) => {
    if (!process.env.LANYARD_TEST_RUN) return t.skip('run outside scripts/run-tests.mjs');
    // fdinfo's flags are octal; O_NONBLOCK is 04000.
    const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync('/proc/self/fdinfo/1', 'utf8'))?.[1];
    assert.ok(flags, 'fdinfo of stdout');
    assert.equal(parseInt(flags, 8) & 0o4000, 0, 'stdout is blocking');
  });
});

/** Whether the process sleeps in write(2): /proc/PID/syscall starts with the call's number. */
function waitsInWrite(pid: number): boolean {
  const write = { x64: 1, arm64: 64 }[process.arch as 'x64' | 'arm64'];
  assert.ok(write, `the number of write(2) on ${process.arch}`);
  try {
    return readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0] === String(write);
  } catch {
    return true; // ended meanwhile
  }
}
