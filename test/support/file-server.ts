import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Serves files over HTTP on an ephemeral loopback port, as a federation publishes its aggregate:
 * with an ETag, answering 304 to a matching If-None-Match. `files` maps paths to local files and
 * can be changed while it runs; `hits` counts full downloads per path; `redirects` maps paths to
 * the Location a 302 sends the client to. `close` ends open connections too, so an unread body
 * cannot hold a test's clean-up forever.
 */
export interface FileServer {
  url: string;
  files: Map<string, string>;
  redirects: Map<string, string>;
  hits: Map<string, number>;
  /** Connections open right now (a client that stops reading a body must still release its own). */
  openConnections(): Promise<number>;
  close(): Promise<void>;
}

export async function startFileServer(): Promise<FileServer> {
  const files = new Map<string, string>();
  const hits = new Map<string, number>();
  const redirects = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const location = redirects.get(req.url ?? '');
    if (location) {
      res.writeHead(302, { location }).end();
      return;
    }
    const file = files.get(req.url ?? '');
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const etag = `"${createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    res.writeHead(200, {
      'content-type': 'application/samlmetadata+xml',
      'content-length': statSync(file).size,
      etag,
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    hits,
    redirects,
    openConnections: () =>
      new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n)))),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
