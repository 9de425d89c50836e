// Counts database round trips the way an outsider can: a TCP relay between a client (Lanyard, the
// harness) and PostgreSQL that reads the client's side of the wire protocol and counts every
// message that makes the server answer — a simple query ('Q') or the Sync ('S') closing an
// extended-protocol batch (Parse/Bind/Execute). One of those is one round trip.
import { createServer, type Server, type Socket, connect } from 'node:net';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export class PgRoundTrips {
  count = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  /** Relays 127.0.0.1:<free port> to `databaseUrl`'s server; `url` is `databaseUrl` through the relay. */
  static async start(databaseUrl: string): Promise<{ relay: PgRoundTrips; url: string }> {
    const u = new URL(databaseUrl);
    const target = { host: u.hostname || '127.0.0.1', port: Number(u.port || 5432) };
    let relay: PgRoundTrips | undefined;
    const server = createServer((client) => relay!.accept(client));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    relay = new PgRoundTrips(target, port, server);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return { relay, url: u.href };
  }

  private accept(client: Socket): void {
    const upstream = connect(this.target);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.pipe(client);
    let startup = true;
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      for (;;) {
        if (startup) {
          if (pending.length - at < 8) break;
          const len = pending.readInt32BE(at);
          if (pending.length - at < len) break;
          const code = pending.readInt32BE(at + 4);
          at += len;
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) startup = false;
          continue;
        }
        if (pending.length - at < 5) break;
        const type = pending[at]!;
        const len = pending.readInt32BE(at + 1);
        if (pending.length - at < len + 1) break;
        if (type === 0x51 /* Q */ || type === 0x53 /* S */) this.count++;
        at += len + 1;
      }
      pending = pending.subarray(at);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
