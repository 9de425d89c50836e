import { after, before, describe } from 'node:test';
import { type Backend, backends, skipReason } from './databases.js';
import { createTestApp, type TestApp } from './test-app.js';

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
    describe(`${name} [${backend}]`, async () => {
      const reason = await skipReason(backend);
      let app: TestApp | undefined;
      if (!reason) {
        before(async () => {
          app = await createTestApp(backend, env);
        });
        after(async () => {
          await app?.close();
        });
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
