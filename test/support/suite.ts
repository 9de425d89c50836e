import { after, before, describe } from 'node:test';
import { type Backend, backends, skipReason } from './databases.js';
import { createTestApp, type TestApp } from './test-app.js';

/**
 * How long one backend's suite may take (LANYARD_SUITE_TIMEOUT_MS, default 10 minutes; a suite
 * takes seconds on a quiet machine and under a minute on a loaded one). A suite that hangs then
 * fails under its own name with the test it was in, and the file goes on to its next backend,
 * instead of the whole file being stopped at the runner's limit with its output lost. The app's
 * start (`before`) and its close (`after`) have the same limit each.
 */
const SUITE_TIMEOUT_MS = Number(process.env.LANYARD_SUITE_TIMEOUT_MS || 600_000);

/**
 * Runs `body` once per database backend, each with its own fresh app. Inside, `ctx()` returns the
 * running app. A backend that cannot run here is skipped with its reason (never under CI=true).
 */
export function forEachBackend(
  name: string,
  body: (ctx: () => TestApp, backend: Backend) => void,
  env: Record<string, string> = {},
): void {
  for (const backend of backends()) {
    describe(`${name} [${backend}]`, { timeout: SUITE_TIMEOUT_MS }, async () => {
      const reason = await skipReason(backend);
      let app: TestApp | undefined;
      if (!reason) {
        before(
          async () => {
            app = await createTestApp(backend, env);
          },
          { timeout: SUITE_TIMEOUT_MS },
        );
        after(
          async () => {
            await app?.close();
          },
          { timeout: SUITE_TIMEOUT_MS },
        );
      }
      describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
        body(() => {
          if (!app) throw new Error('test app not started');
          return app;
        }, backend);
      });
    });
  }
}
