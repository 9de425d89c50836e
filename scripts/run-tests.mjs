#!/usr/bin/env node
// Runs every test file under test/ with node's own test runner (through tsx).
// Usage: node scripts/run-tests.mjs [substring …] — only files whose path contains one of them.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.test.ts') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = walk('test')
  .map((f) => relative('.', f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// A hung test must fail the run, never hold CI until its own limit: every test has a timeout, and
// the whole run a deadline. The timeout also bounds each test file as a whole (the runner treats a
// file as one test), and a long file on a busy machine took more than 5 minutes, so it is 15; the
// deadline (LANYARD_TEST_DEADLINE_MINUTES, default 75) after which the files
// still running are named and everything is stopped. The whole suite takes 15-25 minutes on a quiet
// 2-core machine and passed every test in 46 on one loaded to 15-18 before the deadline of 45
// stopped it; 75 leaves CI's 90-minute limit room for its installs.
const deadlineMinutes = Number(process.env.LANYARD_TEST_DEADLINE_MINUTES ?? 75);
// A test file's process must end when its tests have, even with a handle left open. Node 20 does
// that with --test-force-exit; from Node 22 that flag drops the last results of a file from the
// report (nodejs/node#64833: fewer tests counted, the run still green), so there each file's
// process ends itself once its tests are done (test/support/exit-when-done.mjs). On both, every
// process of the run writes with blocking writes (test/support/report-in-full.mjs): a file's
// results still queued in its process when it ended were lost on a busy machine, Node 20 too.
const nodeMajor = Number(process.versions.node.split('.')[0]);
const exitWhenDone = nodeMajor >= 22 ? ['--import', './test/support/exit-when-done.mjs'] : ['--test-force-exit'];
const reportInFull = ['--import', './test/support/report-in-full.mjs'];
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    ...exitWhenDone,
    ...reportInFull,
    '--test',
    '--test-timeout=900000',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.LANYARD_TEST_CONCURRENCY ?? 2}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', LANYARD_TEST_RUN: '1' }, detached: true },
);
const timer = setTimeout(() => {
  const running = stillRunning(child.pid, files);
  console.error(
    `\nThe tests did not finish within ${deadlineMinutes} minutes; still running: ${running.join(', ') || '(none found)'}`,
  );
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  process.exit(1);
}, deadlineMinutes * 60_000);
// The runner has its own process group (so the deadline can stop all of it); pass on an interrupt.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  });
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  process.exit(code ?? (signal ? 1 : 0));
});

/** The test files whose processes are still alive under the runner (read from /proc). */
function stillRunning(root, all) {
  const found = new Set();
  const visit = (pid) => {
    let children = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean);
    } catch {
      return;
    }
    for (const c of children) {
      try {
        const cmd = readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0');
        for (const f of all) if (cmd.some((a) => a.endsWith(f))) found.add(f);
      } catch {
        /* gone meanwhile */
      }
      visit(c);
    }
  };
  visit(root);
  return [...found];
}
