import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import type { OutboxMail } from '../../src/db/schema.js';
import { smtpTransport } from '../../src/mail/worker.js';
import { selfSignedCertificate } from '../support/self-signed.js';

// The outbox opens its connections to the relay itself (src/mail/worker.ts, without Nagle's delay)
// and hands them to nodemailer: STARTTLS and implicit TLS must still be negotiated over them, and a
// relay whose certificate is not trusted must still be refused.
const certificate = selfSignedCertificate('relay.example.org', ['127.0.0.1']);
const received: { to: string; secure: boolean }[] = [];

function relay(secure: boolean): SMTPServer {
  const server = new SMTPServer({
    secure,
    key: certificate.key,
    cert: certificate.cert,
    authOptional: true,
    logger: false,
    onData(stream, session, done) {
      stream.resume();
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address).join(','), secure: session.secure });
        done();
      });
    },
  });
  // A client that refuses the certificate drops the connection in the TLS handshake; smtp-server
  // emits that as an error, which unheard would end the test process. A relay logs it and goes on.
  server.on('error', () => undefined);
  return server;
}

const starttls = relay(false);
const implicit = relay(true);
const portOf = (server: SMTPServer) => (server.server.address() as AddressInfo).port;

before(async () => {
  for (const server of [starttls, implicit])
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  for (const server of [starttls, implicit]) await new Promise<void>((resolve) => server.close(() => resolve()));
  certificate.remove();
});

const mail = (id: string) =>
  ({ id, to_address: `${id}@example.org`, subject: id, text_body: id, html_body: `<p>${id}</p>` }) as OutboxMail;

async function sendThrough(url: string, id: string): Promise<void> {
  const transport = smtpTransport(url, 'lanyard@example.org', 'lanyard.example.org', 5_000);
  try {
    await transport.send(mail(id));
  } finally {
    transport.close();
  }
}

test('a relay offering STARTTLS: the mail goes over TLS', async () => {
  await sendThrough(`smtp://127.0.0.1:${portOf(starttls)}?tls.rejectUnauthorized=false`, 'starttls');
  assert.deepEqual(
    received.find((r) => r.to === 'starttls@example.org'),
    { to: 'starttls@example.org', secure: true },
  );
});

test('a relay on implicit TLS (smtps:): the mail goes over TLS', async () => {
  await sendThrough(`smtps://127.0.0.1:${portOf(implicit)}?tls.rejectUnauthorized=false`, 'implicit');
  assert.deepEqual(
    received.find((r) => r.to === 'implicit@example.org'),
    { to: 'implicit@example.org', secure: true },
  );
});

test('attack: a relay whose certificate is not trusted is refused, on STARTTLS and on implicit TLS; nothing is sent', async () => {
  for (const [url, id] of [
    [`smtp://127.0.0.1:${portOf(starttls)}`, 'untrusted-starttls'],
    [`smtps://127.0.0.1:${portOf(implicit)}`, 'untrusted-implicit'],
  ] as const) {
    await assert.rejects(sendThrough(url, id), (e: Error) => {
      assert.match(e.message, /certificate/i, `${id}: ${e.message}`);
      return true;
    });
    assert.equal(received.filter((r) => r.to === `${id}@example.org`).length, 0, `${id} was sent`);
  }
});
