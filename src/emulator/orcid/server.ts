// Running the emulator on its own HTTP server, for `npm run orcid-emulator`, `npm start`'s demo
// mode, and tests that need a real socket (openid-client, refused connections).
import Fastify from 'fastify';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { orcidEmulatorPlugin } from './plugin.js';
import { createOrcidEmulatorState, type OrcidEmulatorState } from './state.js';
import type { OrcidEmulatorOptions } from './types.js';

export interface OrcidEmulator {
  /** The "site" and issuer, e.g. `http://127.0.0.1:8081` (orcid.org / sandbox.orcid.org). */
  siteUrl: string;
  /** `${siteUrl}/member-api`, standing in for `https://api.orcid.org`; append `/v3.0/…`. */
  memberApiUrl: string;
  /** `${siteUrl}/pub-api`, standing in for `https://pub.orcid.org`; append `/v3.0/…`. */
  publicApiUrl: string;
  state: OrcidEmulatorState;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/** The URL a client on this machine reaches a listening address at. */
function localUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::') return `http://127.0.0.1:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Starts a standalone emulator. `port` 0 (the default) picks a free port; `baseUrl` defaults to
 * `http://<host>:<port>` and only needs setting behind a proxy.
 * @example
 * const orcid = await startOrcidEmulator({ port: 8081 });
 * // … point the client at orcid.siteUrl …
 * await orcid.close();
 */
export async function startOrcidEmulator(
  opts: Partial<OrcidEmulatorOptions> & { port?: number; host?: string } = {},
): Promise<OrcidEmulator> {
  const host = opts.host ?? '127.0.0.1';
  // Listen first: the issuer must contain the real port before any URL is built from it.
  const server = createServer();
  const address = await listen(server, opts.port ?? 0, host);
  let state: OrcidEmulatorState;
  let app: ReturnType<typeof Fastify>;
  try {
    state = createOrcidEmulatorState({ ...opts, baseUrl: opts.baseUrl ?? localUrl(host, address.port) });
    app = Fastify({
      logger: opts.logger ?? false,
      pluginTimeout: 120_000, // a busy machine is not a hung plugin
      serverFactory: (handler) => server.on('request', handler),
    });
    await app.register(orcidEmulatorPlugin, { state });
    await app.ready();
  } catch (error) {
    // Bad fixtures or options: release the port rather than leave a listener with no app.
    server.close();
    throw error;
  }
  return {
    siteUrl: state.baseUrl,
    memberApiUrl: `${state.baseUrl}/member-api`,
    publicApiUrl: `${state.baseUrl}/pub-api`,
    state,
    async close() {
      await app.close();
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
