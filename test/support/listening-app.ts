import { createServer } from 'node:net';
import type { Backend } from './databases.js';
import { createTestApp, type TestApp } from './test-app.js';

/** A port nothing listens on right now (the kernel's pick; released before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A test app that really listens on 127.0.0.1, with LANYARD_PUBLIC_URL pointing at it (for a real browser). */
export async function createListeningTestApp(
  backend: Backend,
  env: Record<string, string> = {},
): Promise<TestApp & { url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = await createTestApp(backend, { LANYARD_PUBLIC_URL: url, ...env });
  await app.app.listen({ port, host: '127.0.0.1' });
  return Object.assign(app, { url });
}
