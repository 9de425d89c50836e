// Loaded by scripts/run-tests.mjs into every process of the test run (`--import`): the runner and
// each test file's process. A test file's process reports each result to the runner over a pipe,
// and Node on Linux writes to a pipe without blocking: what the pipe cannot take at once is queued
// in the process. On a busy machine the runner reads slowly, the queue grows, and when the file's
// process then ends (by `--test-force-exit`, or by exit-when-done.mjs) the queued results are lost
// — fewer tests counted, and the run still passes, even if a lost result was a failure. With
// blocking writes a result has reached the pipe before the process can end, and nothing is left to
// lose at exit; the same holds for the runner's own report and for stderr.
// test/ops/test-runner.test.ts shows the loss without this and none with it.
// `setBlocking` is the stream handle's (not a public API); where it is missing nothing changes.
for (const stream of [process.stdout, process.stderr]) stream._handle?.setBlocking?.(true);
