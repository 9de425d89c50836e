import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { OutboxMail } from '../../src/db/schema.js';
import { smtpTransport } from '../../src/mail/worker.js';
import { MailCatcher } from '../support/mail-catcher.js';
import { waitUntil } from '../support/wait.js';

// nodemailer loads with the first mail, not when the transport is made: the first sends, made at
// once, must all arrive, each once.
const catcher = new MailCatcher();
before(() => catcher.start());
after(() => catcher.stop());

const mail = (id: string, to: string) =>
  ({ id, to_address: to, subject: `mail ${id}`, text_body: `text ${id}`, html_body: `<p>${id}</p>` }) as OutboxMail;

test('the first mails, sent at once, each arrive once with the outbox id as Message-ID', async () => {
  const transport = smtpTransport(catcher.url, 'lanyard@example.org', 'lanyard.example.org');
  try {
    const sent = ['a', 'b', 'c'].map((id) => mail(`first-${id}`, `first-${id}@example.org`));
    await Promise.all(sent.map((m) => transport.send(m)));
    for (const m of sent) {
      const caught = await catcher.waitFor(m.to_address);
      assert.equal(caught.subject, m.subject);
      assert.equal(caught.messageId, `<${m.id}@lanyard.example.org>`);
    }
    assert.equal(catcher.messages.filter((c) => c.to.startsWith('first-')).length, 3);
  } finally {
    transport.close();
  }
});

test('mails sent one after another share one connection to the relay, and a closed transport opens a new one', async () => {
  const transport = smtpTransport(catcher.url, 'lanyard@example.org', 'lanyard.example.org');
  const before = catcher.connectionsOpened;
  try {
    for (const id of ['1', '2', '3', '4', '5']) await transport.send(mail(`kept-${id}`, `kept-${id}@example.org`));
    assert.equal(catcher.connectionsOpened - before, 1, 'a connection per mail');
    transport.close();
    await transport.send(mail('kept-after-close', 'kept-after-close@example.org'));
    assert.equal(catcher.connectionsOpened - before, 2);
    await catcher.waitFor('kept-after-close@example.org');
    assert.equal(catcher.messages.filter((c) => c.to.startsWith('kept-')).length, 6);
  } finally {
    transport.close();
  }
});

// The relay stops (its connections closed, new ones refused) and comes back on its port: the kept
// connection is gone, and the next mails must open a new one, however often sends failed meanwhile.
// Only a refused connection showed the pool keeping a failed connection for ever, so the relay is
// stopped and restarted on its port (which another process could take meanwhile on a busy machine).
test(
  'a relay that stops and comes back: sends fail while it is gone and go through again after',
  { timeout: 60_000 },
  async () => {
    const relay = await new MailCatcher().start();
    const port = relay.port;
    const transport = smtpTransport(relay.url, 'lanyard@example.org', 'lanyard.example.org', 2_000);
    try {
      await transport.send(mail('before-stop', 'before-stop@example.org'));
      await relay.stop();
      for (const id of ['gone-1', 'gone-2', 'gone-3'])
        await assert.rejects(transport.send(mail(id, `${id}@example.org`)), `${id} was sent to a stopped relay`);
      await relay.start(port);
      for (const id of ['back-1', 'back-2']) {
        await transport.send(mail(id, `${id}@example.org`));
        await relay.waitFor(`${id}@example.org`);
      }
    } finally {
      transport.close();
      await relay.stop();
    }
  },
);

// Through a proxy nodemailer opens the sockets, and a proxy that fails is reported where its pool
// would keep the failed connection for ever: each send must fail on its own, none hang.
test('a proxy that refuses: every send fails, none waits for ever', { timeout: 60_000 }, async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const { port } = closed.address() as { port: number };
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const transport = smtpTransport(
    `${catcher.url}?proxy=${encodeURIComponent(`http://127.0.0.1:${port}`)}`,
    'lanyard@example.org',
    'lanyard.example.org',
    2_000,
  );
  try {
    for (const id of ['proxied-1', 'proxied-2', 'proxied-3'])
      await assert.rejects(transport.send(mail(id, `${id}@example.org`)));
    assert.equal(catcher.messages.filter((c) => c.to.startsWith('proxied-')).length, 0);
  } finally {
    transport.close();
  }
});

// A setting the socket refuses at once (a local address that is none) fails each send; it must not
// throw inside nodemailer's pool, where nothing would catch it and the process would end.
test('a local address that is not one: every send fails, the process goes on', { timeout: 60_000 }, async () => {
  const transport = smtpTransport(
    `${catcher.url}?localAddress=not-an-address`,
    'l@example.org',
    'l.example.org',
    2_000,
  );
  try {
    for (const id of ['bad-local-1', 'bad-local-2'])
      await assert.rejects(transport.send(mail(id, `${id}@example.org`)), /address/i);
    assert.equal(catcher.messages.filter((c) => c.to.startsWith('bad-local-')).length, 0);
  } finally {
    transport.close();
  }
});

/** Connections of this machine still being opened (SYN sent, no answer) to `port` on 127.0.0.1. */
function connectingTo(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[2] === `0100007F:${hexPort}` && f[3] === '02').length;
}

// A relay behind a firewall that drops packets: the connection is never refused, only never
// answered, and the kernel would go on sending SYNs for about two minutes. Here a listener that
// never accepts: once its queue (a backlog of 1) holds two connections, the kernel drops further SYNs.
const PYTHON = '/usr/bin/python3';
test(
  'a relay that never answers the connection: the send fails at the connect timeout and the attempt is abandoned',
  {
    timeout: 120_000,
    skip: !existsSync('/proc/net/tcp')
      ? 'no /proc/net/tcp on this system'
      : !existsSync(PYTHON) && process.env.CI !== 'true'
        ? `${PYTHON} is missing (apt-get install python3; under CI=true this is a failure)`
        : false,
  },
  async () => {
    const listener = spawn(
      PYTHON,
      [
        '-c',
        'import socket,sys\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(1)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()',
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const filler: Socket[] = [];
    try {
      await once(listener, 'spawn');
      const [line] = (await once(listener.stdout!, 'data')) as [Buffer];
      const port = Number(line.toString().trim());
      // The two connections the queue holds.
      for (let i = 0; i < 2; i++) filler.push(connect(port, '127.0.0.1').on('error', () => {}));
      await waitUntil(async () => filler.every((s) => s.readyState === 'open'), "the listener's queue to fill");
      const transport = smtpTransport(`smtp://127.0.0.1:${port}`, 'l@example.org', 'l.example.org', 500);
      try {
        // A timeout, not a refusal: the connection was being opened when the send gave up.
        await assert.rejects(transport.send(mail('unanswered', 'unanswered@example.org')), /timeout/i);
        // Not left to the kernel's SYN retries (about two minutes): the attempt is closed.
        await waitUntil(async () => connectingTo(port) === 0, 'the connection attempt to be abandoned');
      } finally {
        transport.close();
      }
    } finally {
      for (const socket of filler) socket.destroy();
      listener.kill();
    }
  },
);

test('a transport closed before it sent anything closes quietly', () => {
  smtpTransport(catcher.url, 'lanyard@example.org', 'lanyard.example.org').close();
});

// A server that accepts, greets and then never answers again (a stalled relay) must not hold a
// send past the outbox's lease: the send fails, and the worker retries it under its own lease,
// where nodemailer's defaults (ten minutes of silence) would let a second worker send it again.
test(
  'a send to a server that greets and then goes silent fails instead of waiting out the lease',
  { timeout: 30_000 },
  async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.write('220 silent.example.org ESMTP\r\n');
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as { port: number };
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`, 'lanyard@example.org', 'lanyard.example.org', 300);
    try {
      await assert.rejects(transport.send(mail('stalled', 'stalled@example.org')), (e: Error & { code?: string }) => {
        assert.match(`${e.code} ${e.message}`, /ETIMEDOUT|timeout/i);
        return true;
      });
      assert.ok(sockets.size > 0, 'the transport reached the server');
    } finally {
      transport.close();
      for (const s of sockets) s.destroy();
      silent.close();
    }
  },
);

test('a stall is given up well within the outbox lease by default', async () => {
  const { SMTP_STALL_MS } = await import('../../src/mail/worker.js');
  assert.ok(
    SMTP_STALL_MS * 2 <= 60_000 / 2,
    `${SMTP_STALL_MS} ms of silence, twice (greeting and a step after), within half the 60-s lease`,
  );
});

// The timeouts are added to the operator's URL as query parameters: its credentials, percent-encoded
// as a URL must carry '@', ';' or '!', reach the server as they were meant.
test('credentials in the SMTP URL reach the server unchanged beside the added timeouts', async () => {
  const transport = smtpTransport(
    `smtp://us%40er:p%40ss%3Bw!rd@127.0.0.1:${catcher.port}?secure=false`,
    'lanyard@example.org',
    'lanyard.example.org',
  );
  try {
    await transport.send(mail('credentials', 'credentials@example.org'));
    await catcher.waitFor('credentials@example.org');
    assert.deepEqual(catcher.logins.at(-1), { username: 'us@er', password: 'p@ss;w!rd' });
  } finally {
    transport.close();
  }
});
