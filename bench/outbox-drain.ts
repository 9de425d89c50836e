// `npx tsx bench/outbox-drain.ts [--mails N] [--pg URL] [--embedded] [--connection-per-mail]` — how
// fast the outbox drains a backlog (an SMTP relay back after an outage): N mails (default 1,000)
// written to a fresh outbox in PostgreSQL (or PGlite), then delivered by Lanyard's own worker and
// SMTP transport to a real SMTP server on loopback (smtp-server, each mail parsed as it arrives).
// Prints mails per second, the worker process's CPU per mail (the SMTP server's included: it runs
// in this process) and what the relay received. `--connection-per-mail` sets `pool=false` in the
// SMTP URL, as every mail was sent before the outbox kept its connection.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { connectDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { OutboxWorker, smtpTransport } from '../src/mail/worker.js';
import { enqueueMail } from '../src/stores/outbox.js';
import { freshPostgresDatabase } from '../test/support/databases.js';
import { MailCatcher } from '../test/support/mail-catcher.js';

const { values: args } = parseArgs({
  options: {
    mails: { type: 'string', default: '1000' },
    pg: { type: 'string' },
    embedded: { type: 'boolean', default: false },
    'connection-per-mail': { type: 'boolean', default: false },
  },
});
if (args.pg) process.env.LANYARD_TEST_PG_URL = args.pg;
const n = Number(args.mails);

const pg = args.embedded ? null : await freshPostgresDatabase();
const db = await connectDatabase({ databaseUrl: pg?.url ?? null, dataDir: 'memory://' });
await migrateToLatest(db);
const relay = await new MailCatcher().start();
const now = new Date();
// A mail of the size Lanyard sends (a sign-in link in text and HTML).
for (let i = 0; i < n; i++)
  await enqueueMail(
    db,
    {
      to: `drain-${i}@example.org`,
      subject: 'Your sign-in link',
      text: `Hello,\n\n${'x'.repeat(600)}\n`,
      html: `<p>Hello,</p><p>${'x'.repeat(900)}</p>`,
      kind: 'bench',
    },
    now,
  );

const url = args['connection-per-mail'] ? `${relay.url}?pool=false` : relay.url;
const worker = new OutboxWorker({
  db,
  clock: { now: () => new Date() } as ConstructorParameters<typeof OutboxWorker>[0]['clock'],
  transport: smtpTransport(url, 'lanyard@example.org', 'lanyard.example.org'),
  log: pino({ level: 'warn' }),
});
const load = loadavg()[0]!.toFixed(1);
const started = performance.now();
const cpu = process.cpuUsage();
let delivered = 0;
while (delivered < n) {
  const round = await worker.deliverDue();
  if (round === 0) throw new Error(`the outbox stopped with ${n - delivered} mails left`);
  delivered += round;
}
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
await relay.waitFor(`drain-${n - 1}@example.org`);
console.log(
  `${n} mails in ${seconds.toFixed(2)} s: ${(n / seconds).toFixed(0)} mails/s, ` +
    `${((used.user + used.system) / 1000 / n).toFixed(2)} ms CPU per mail (worker and relay), ` +
    `relay received ${relay.messages.length} over ${relay.connectionsOpened} connections; ` +
    `${args.embedded ? 'PGlite' : 'PostgreSQL'}, ${args['connection-per-mail'] ? 'a connection per mail' : 'one kept connection'}, load average ${load} at the start`,
);
await worker.stop();
await relay.stop();
await db.destroy();
await pg?.drop();
