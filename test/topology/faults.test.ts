import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type FaultTiming,
  killProcessFault,
  orcidFault,
  printReport,
  redisDownFault,
  redisSilentFault,
  seedLoad,
  smtpDownFault,
} from '../support/chaos.js';
import { Topology, topologyMissing } from '../support/topology.js';

// Minimum durations; each phase also waits (bounded) for its condition: the fault bit, the load recovered.
const TIMING: FaultTiming = { beforeMs: 0, faultMs: 2000, afterMs: 0, vus: 6 };

/**
 * Faults under load through three Lanyard processes behind the balancer, each followed by the
 * invariants: no account or identity twice, no half-written registration, every queued mail
 * delivered once (by Message-ID), no 5xx but what the fault explains. `npm run chaos` runs the
 * same faults for longer and prints the figures.
 */
describe('faults under load through three processes: nothing lost, nothing doubled', async () => {
  const reason = await topologyMissing();
  let t: Topology;
  let pools: Awaited<ReturnType<typeof seedLoad>>;
  before(async () => {
    if (reason) return;
    t = await Topology.start({
      env: {
        LANYARD_RATE_SIGNIN_PER_MINUTE: '100000',
        LANYARD_RATE_TOKEN_PER_MINUTE: '100000',
        LANYARD_RATE_MAIL_PER_HOUR: '1000',
      },
    });
    pools = await seedLoad(t);
  });
  after(() => t?.close());

  const holds = (report: Awaited<ReturnType<typeof killProcessFault>>) => {
    console.log(printReport(report));
    const broken = Object.entries(report.invariants).filter(([, ok]) => !ok);
    assert.deepEqual(broken, [], printReport(report));
    assert.ok(report.load.flowsOk > 0, printReport(report));
  };

  describe(reason ? `skipped: ${reason}` : 'suite', { skip: reason || false }, () => {
    test('SMTP down, then back: mails wait in the outbox and each is delivered once', async () => {
      holds(await smtpDownFault(t, pools, TIMING));
    });

    test('Redis down: sign-ins go on without the shared limits, the outage is logged, no 5xx', async () => {
      holds(await redisDownFault(t, pools, TIMING));
    });

    test('Redis silent (a stopped process): each command bounded, sign-ins go on, logged, no 5xx', async () => {
      holds(await redisSilentFault(t, pools, TIMING));
    });

    test('ORCID slow and refusing: Lanyard’s own page, sockets and memory bounded, sign-ins back after', async () => {
      holds(await orcidFault(t, pools, TIMING));
    });

    test('kill -9 of one process (last: it is not restarted): in-flight requests fail at the balancer, nothing half-written or lost', async () => {
      holds(await killProcessFault(t, pools, TIMING));
    });
  });
});
