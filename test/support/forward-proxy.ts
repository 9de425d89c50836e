import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A forward proxy as a university's egress runs it: plain http requests in absolute-URI form
 * (`GET http://host/path`) are forwarded, https goes through a CONNECT tunnel. `hosts` maps the
 * names only the proxy can resolve (as only the egress resolves the outside world) to addresses;
 * `refuse` answers every request with that status: 403 as a proxy whose policy forbids the
 * destination does, 407 as one that wants credentials.
 * `seen` lists what passed through, as `GET http://host:port/path` or `CONNECT host:port`.
 */
export class ForwardProxy {
  readonly seen: string[] = [];
  refuse: 403 | 407 | null = null;
  private readonly server: http.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly hosts: Record<string, string> = {}) {
    this.server = http.createServer((req, res) => this.forward(req, res));
    this.server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) =>
      this.tunnel(req, client, head),
    );
    this.server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** What passed through for `host` (a name, or name:port). */
  seenFor(host: string): string[] {
    return this.seen.filter((line) => line.includes(` ${host}`) || line.includes(`//${host}`));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private resolve(hostname: string): string {
    return this.hosts[hostname] ?? hostname;
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute-URI requests only');
      return;
    }
    this.seen.push(`${req.method} ${target.protocol}//${target.host}${target.pathname}`);
    if (this.refuse) {
      res
        .writeHead(this.refuse, {
          'content-type': 'text/html',
          ...(this.refuse === 407 ? { 'proxy-authenticate': 'Basic realm="egress"' } : {}),
        })
        .end('<h1>Refused by the proxy</h1>');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = http.request(
      {
        host: this.resolve(target.hostname),
        port: target.port || 80,
        method: req.method,
        path: target.pathname + target.search,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.headersSent || res.writeHead(502).end('upstream unreachable'));
    req.pipe(upstream);
  }

  private tunnel(req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    this.seen.push(`CONNECT ${req.url}`);
    if (this.refuse) {
      client.end(`HTTP/1.1 ${this.refuse} ${http.STATUS_CODES[this.refuse]}\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    const [hostname, port] = (req.url ?? '').split(/:(?=\d+$)/);
    const upstream = net.connect(Number(port), this.resolve(hostname!), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  }
}
