// Loaded by scripts/run-tests.mjs into every test file's process (`--import`). The file's process
// reports each result to the runner over a pipe on its stdout, and Node on Linux writes to a pipe
// without blocking: what the pipe cannot take at once is queued in the process. On a busy machine
// the runner reads slowly, the queue grows, and when the file's process then ends (by
// `--test-force-exit`, or by exit-when-done.mjs) the queued results are lost — fewer tests
// counted, and the run still passes, even if a lost result was a failure. With blocking writes a
// result is in the pipe before the next test starts, and nothing is left to lose at exit.
// test/ops/test-runner.test.ts shows the loss without this and none with it.
if (process.env.NODE_TEST_CONTEXT) process.stdout._handle?.setBlocking?.(true);
