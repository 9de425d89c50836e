// Loaded by scripts/run-tests.mjs into every test file's process (`--import`) on Node 22 and later,
// in place of `--test-force-exit`: that flag there drops the last results of a file from the report
// (nodejs/node#64833) — tests ran, fewer were counted, and the run still passed. A file whose
// process is still alive GRACE after its tests (a socket or timer left open) is ended here, saying
// so and failing the run (a handle left open is a defect, and a cleanup cut short must not pass),
// instead of holding the run until its deadline.
import { after } from 'node:test';

const GRACE_MS = Number(process.env.LANYARD_TEST_EXIT_GRACE_MS || 60_000);

if (process.env.NODE_TEST_CONTEXT) {
  // The first of the file's top-level `after` hooks: the file's own run after it, so the grace is
  // also their limit (each backend's suite closes its app and database inside its own `describe`,
  // before any of these).
  after(() => {
    setTimeout(() => {
      process.stderr.write(
        `this test file's process was still running ${GRACE_MS / 1000} s after its tests (a handle left open): ending it, failed\n`,
      );
      process.exit(1);
    }, GRACE_MS).unref();
  });
}
