import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';

/**
 * The test run itself must count every result. A test file's process reports to the runner over a
 * pipe; on a busy machine the runner reads slowly, and a process that ended (`--test-force-exit`)
 * with results still queued lost them: fewer tests counted and the run still green, whatever the
 * lost results said. Here this test plays a slow runner: it starts a file's process as the runner
 * does (NODE_TEST_CONTEXT, in the runner's TAP form so the results can be counted) and reads its
 * pipe a little at a time until the process has ended. Without test/support/report-in-full.mjs a
 * round lost results in one try of four or five, and eight rounds in about every second run (checked
 * by hand); the same file under the real runner, stopped for a moment, lost 1-4 of 400 in four of six.
 */
describe('a test file read by a slow runner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lanyard-runner-'));
  const TESTS = 400;
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'many.test.mjs');
  writeFileSync(
    file,
    `import { test } from 'node:test';
const name = 'x'.repeat(2000);
for (let i = 0; i < ${TESTS}; i++) test(\`t\${i} \${name}\`, () => {});
`,
  );

  async function resultsRead(): Promise<number> {
    const child = spawn(
      process.execPath,
      ['--import', resolve('test/support/report-in-full.mjs'), '--test-force-exit', file],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_TEST_CONTEXT: 'child' } },
    );
    let exited = false;
    child.on('exit', () => (exited = true));
    const closed = new Promise((done) => child.on('close', done));
    let out = '';
    const pipe = child.stdout;
    pipe.pause();
    pipe.on('readable', () => {});
    while (!exited) {
      const chunk = pipe.read(4096) ?? pipe.read();
      if (chunk) out += chunk;
      await new Promise((next) => setTimeout(next, 5));
    }
    pipe.removeAllListeners('readable');
    pipe.on('data', (chunk) => (out += chunk));
    pipe.resume();
    await closed;
    return (out.match(/^ok \d+ /gm) ?? []).length;
  }

  test('every result of the file reaches the runner, however slowly it reads', async () => {
    for (let round = 0; round < 8; round++) assert.equal(await resultsRead(), TESTS, `round ${round + 1}`);
  });
});
