import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Backend } from './databases.js';
import { createTestApp, type TestApp } from './test-app.js';

/** Listens on `port` (0: the kernel's pick) and closes again; the port, or null if it was taken. */
function probe(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : null));
    });
  });
}

/** The first port the kernel hands out itself (to listen(0) and to every outgoing connection). */
function ephemeralFloor(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32768;
  } catch {
    return 32768;
  }
}

const handedOut = new Set<number>();

/**
 * A port nothing listens on right now, released before use, from below the kernel's ephemeral
 * range: between this pick and the listen (seconds, on a busy machine, for a process starting) or
 * while a server is stopped to be started again on its port, an outgoing connection of any
 * process on the machine could be given a port from that range and make the listen fail
 * (EADDRINUSE). Never the same port twice in one test process.
 */
export async function freePort(): Promise<number> {
  const floor = ephemeralFloor();
  if (floor > 11_000)
    for (let i = 0; i < 100; i++) {
      const port = randomInt(10_000, floor);
      if (handedOut.has(port) || (await probe(port)) === null) continue;
      handedOut.add(port);
      return port;
    }
  for (;;) {
    const port = await probe(0);
    if (port === null) throw new Error('no free port');
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
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
