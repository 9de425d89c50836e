// `npm run chaos [-- --seconds 20 --users 12 --processes 3 --only kill-9,smtp-down]`: starts the
// multi-process topology (HAProxy round robin over Lanyard processes, PostgreSQL, Redis, the ORCID
// emulator as its own process, an SMTP catcher; all on loopback), then runs each fault under load
// for a bounded time and prints, per fault, requests, errors by kind, mails queued / delivered /
// duplicated, accounts and identities duplicated, and whether every invariant held. Exit code 1 if
// one did not.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { FAULTS, printReport, seedLoad } from '../test/support/chaos.js';
import { haproxyMissing } from '../test/support/shibboleth-proxy.js';
import { Topology } from '../test/support/topology.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    users: { type: 'string', default: '12' },
    processes: { type: 'string', default: '3' },
    only: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const vus = Number(values.users);
const names = (values.only?.split(',') ?? Object.keys(FAULTS)) as (keyof typeof FAULTS)[];
const unknown = names.filter((n) => !(n in FAULTS));
if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isInteger(vus) || vus < 1 || unknown.length) {
  console.error(
    `chaos: --seconds N --users N --only ${Object.keys(FAULTS).join(',')} (got ${unknown.join(',') || 'a bad number'})`,
  );
  process.exit(2);
}
process.env.CI ??= 'true'; // a missing HAProxy is an error here, never a skip
const missing = haproxyMissing();
if (missing || (await import('node:child_process')).spawnSync('haproxy', ['-v']).status !== 0) {
  console.error('chaos: HAProxy is needed (apt-get install haproxy)');
  process.exit(2);
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
log(
  `machine: ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, Node ${process.version}`,
);
const t = await Topology.start({
  processes: Number(values.processes),
  env: {
    LANYARD_RATE_SIGNIN_PER_MINUTE: '100000',
    LANYARD_RATE_TOKEN_PER_MINUTE: '100000',
    LANYARD_RATE_MAIL_PER_HOUR: '1000',
  },
  log,
});
let broken = 0;
try {
  log(`topology at ${t.url}; seeding`);
  const pools = await seedLoad(t);
  for (const name of names) {
    log(`fault ${name}: ${vus} users, ${seconds} s of fault between ${seconds / 4} s of load before and after`);
    const report = await FAULTS[name](t, pools, {
      beforeMs: (seconds * 1000) / 4,
      faultMs: seconds * 1000,
      afterMs: (seconds * 1000) / 4,
      vus,
      restart: true,
    });
    console.log(`\n${printReport(report)}\n`);
    broken += Object.values(report.invariants).filter((ok) => !ok).length;
  }
  log(
    `load now ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  await t.close();
}
log(broken ? `${broken} invariants BROKEN` : 'every invariant held');
process.exit(broken ? 1 : 0);
