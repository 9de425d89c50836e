/**
 * `npx lanyard …` (bin/lanyard.js), `npm run cli -- …`, `node --import tsx src/cli/main.ts …`.
 * The exit code is set, not forced, so piped output is flushed before the process ends.
 */
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
