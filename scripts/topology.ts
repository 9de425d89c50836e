// `npm run topology [-- --processes 3 --port 8080]`: Lanyard as several processes behind a load
// balancer, on this machine, until Ctrl-C. HAProxy (Debian's) round robin without stickiness in
// front of N `npm start` processes configured by LANYARD_* settings only, on one fresh PostgreSQL
// database and Redis, signing in with ORCID against the emulator run as its own process
// (LANYARD_ORCID_ENV=custom), mailing to an SMTP catcher that prints what it receives.
import { parseArgs } from 'node:util';
import { Topology } from '../test/support/topology.js';

const { values } = parseArgs({
  options: { processes: { type: 'string', default: '3' }, port: { type: 'string' } },
});
const processes = Number(values.processes);
if (!Number.isInteger(processes) || processes < 1 || processes > 8) {
  console.error('topology: --processes 1…8');
  process.exit(2);
}
const log = (line: string) => console.log(`[topology] ${line}`);
const t = await Topology.start({
  processes,
  ...(values.port ? { port: Number(values.port) } : {}),
  log,
});
let printed = 0;
const mailTimer = setInterval(() => {
  for (const m of t.mail.messages.slice(printed)) log(`mail to ${m.to}: ${m.subject} ${m.messageId}`);
  printed = t.mail.messages.length;
}, 500);
console.log(`
Lanyard, ${processes} processes behind HAProxy (round robin, no stickiness)
  sign in         ${t.url}/login
  processes       ${t.ports.map((p, i) => `l${i + 1} 127.0.0.1:${p}`).join(', ')} (answer header x-lanyard-served-by)
  ORCID emulator  ${t.orcid.siteUrl} (add users: POST ${t.orcid.siteUrl}/__admin/users)
  SMTP catcher    ${t.mail.url} (mails printed here)
  settings        ${Object.entries(t.env)
    .filter(([k]) => !/SECRET/.test(k))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n                  ')}
Ctrl-C stops everything and drops the database.`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    clearInterval(mailTimer);
    void t.close().finally(() => process.exit(0));
  });
