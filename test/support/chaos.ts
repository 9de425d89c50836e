import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from './browser.js';
import { linkIn } from './mail-catcher.js';
import { signInWithOrcid } from './orcid.js';
import { type Census, RoutedBrowser, TOPOLOGY_PASSWORD, type Topology } from './topology.js';
import { waitUntil } from './wait.js';

/**
 * Load through the balancer (round robin) while a fault is switched on, and the invariants of
 * "nothing lost, nothing doubled" checked afterwards. Used by test/topology/faults.test.ts (short
 * and asserted) and by `npm run chaos` (longer, printed).
 */

/** What one kind of answer was: `ok`, or e.g. `502 balancer`, `503 PROVIDER_UNAVAILABLE`, `network ECONNRESET`. */
function kindOf(page: Page | null, error?: unknown): string {
  if (!page) return `network ${(error as { cause?: { code?: string } })?.cause?.code ?? (error as Error).message}`;
  const code = /data-error-code="([A-Z_]+)"/.exec(page.body)?.[1] ?? /"code":"([A-Z_]+)"/.exec(page.body)?.[1];
  // HAProxy's own answers (no process, a process gone mid-request) carry none of Lanyard's pages.
  const balancer = /<h1>\d{3} [A-Za-z ]+<\/h1>/.test(page.body) && !page.body.includes('lanyard');
  return `${page.status} ${code ?? (balancer ? 'balancer' : 'no code')}`;
}

export interface LoadStats {
  requests: number;
  flows: number;
  flowsOk: number;
  /** Answers that were not what the flow expected, by kind. */
  errors: Record<string, number>;
  /** Of `errors`, those of requests sent after `mark()` (after a kill had completed, say). */
  errorsSentAfterMark: Record<string, number>;
}

/** A failed step of a flow, with what was answered; `sentAfterMark`: the request was sent after `mark()`. */
class StepFailed extends Error {
  constructor(
    readonly kind: string,
    readonly sentAfterMark = false,
  ) {
    super(kind);
  }
}

/**
 * Virtual users, each a loop of sign-ins through the balancer: a returning ORCID sign-in, a first
 * ORCID sign-in that creates an account, a password sign-in, and a registration by email whose
 * mailed link completes it when mail is flowing.
 */
export class Load {
  readonly stats: LoadStats = { requests: 0, flows: 0, flowsOk: 0, errors: {}, errorsSentAfterMark: {} };
  private running = false;
  private marked = false;
  private users: Promise<void>[] = [];
  private n = 0;
  /** The registrations' mails are waited for (bounded) only while this is true. */
  waitForMail = true;

  constructor(
    private readonly t: Topology,
    private readonly pools: { returningOrcids: string[]; passwordEmails: string[] },
  ) {}

  start(vus: number): void {
    this.running = true;
    this.users = Array.from({ length: vus }, (_, i) => this.user(i));
  }

  /** From now on, failed requests are also counted in `errorsSentAfterMark`. */
  mark(): void {
    this.marked = true;
  }

  async stop(): Promise<LoadStats> {
    this.running = false;
    await Promise.all(this.users);
    return this.stats;
  }

  private async user(vu: number): Promise<void> {
    const flows = [
      () => this.returningOrcid(),
      () => this.newOrcid(),
      () => this.password(),
      () => this.registration(),
    ];
    for (let i = vu; this.running; i++) {
      this.stats.flows++;
      try {
        await flows[i % flows.length]!();
        this.stats.flowsOk++;
      } catch (e) {
        const kind = e instanceof StepFailed ? e.kind : `exception ${(e as Error).message.slice(0, 80)}`;
        this.stats.errors[kind] = (this.stats.errors[kind] ?? 0) + 1;
        if (e instanceof StepFailed && e.sentAfterMark)
          this.stats.errorsSentAfterMark[kind] = (this.stats.errorsSentAfterMark[kind] ?? 0) + 1;
      }
    }
  }

  /** One request through the balancer, counted; anything but `expect` fails the flow. */
  private async step(what: string, send: () => Promise<Page>, expect: number[]): Promise<Page> {
    this.stats.requests++;
    const sentAfterMark = this.marked;
    let page: Page;
    try {
      page = await send();
    } catch (e) {
      throw new StepFailed(`${what}: ${kindOf(null, e)}`, sentAfterMark);
    }
    if (!expect.includes(page.status)) throw new StepFailed(`${what}: ${kindOf(page)}`, sentAfterMark);
    return page;
  }

  private browser(): RoutedBrowser {
    return new RoutedBrowser(null, this.t.url);
  }

  private async returningOrcid(): Promise<void> {
    const orcid = this.pools.returningOrcids[this.n++ % this.pools.returningOrcids.length]!;
    const back = await this.step('orcid sign-in', () => signInWithOrcid(this.browser(), orcid), [303, 302]);
    if (!back.location || /external-login|error/.test(back.location))
      throw new StepFailed(`orcid sign-in: to ${back.location?.split('/')[1]}`);
  }

  private async newOrcid(): Promise<void> {
    const tag = randomBytes(5).toString('hex');
    const orcid = await this.t.orcid.addUser({
      givenNames: 'Chaos',
      familyName: tag,
      emails: [{ email: `orcid-${tag}@chaos.example`, visibility: 'public', verified: true, primary: true }],
    });
    const b = this.browser();
    const back = await this.step('orcid first sign-in', () => signInWithOrcid(b, orcid), [303]);
    if (!back.location?.startsWith('/external-login/'))
      throw new StepFailed(`orcid first sign-in: to ${back.location?.split('/')[1]}`);
    await this.step('registration page', () => b.get(back.location!), [200]);
    await this.step('create account', () => b.post(`${back.location}/create`, {}), [303]);
  }

  private async password(): Promise<void> {
    const email = this.pools.passwordEmails[this.n++ % this.pools.passwordEmails.length]!;
    const b = this.browser();
    await this.step('login page', () => b.get('/login'), [200]);
    await this.step('password sign-in', () => b.post('/login', { email, password: TOPOLOGY_PASSWORD }), [303]);
  }

  private async registration(): Promise<void> {
    const email = `reg-${randomBytes(5).toString('hex')}@chaos.example`;
    const b = this.browser();
    await this.step('register page', () => b.get('/register'), [200]);
    await this.step('register', () => b.post('/register', { email }), [303]);
    if (!this.waitForMail) return;
    const mail = await this.t.mail.waitFor(email, () => true, 20_000).catch(() => null);
    if (!mail) throw new StepFailed('registration mail: not within 20 s');
    const link = new URL(linkIn(mail, '/register/'));
    await this.step('registration form', () => b.get(link.pathname), [200]);
    const password = `Chaos ${randomBytes(8).toString('hex')} phrase`;
    await this.step(
      'complete registration',
      () =>
        b.post(link.pathname, { givenName: 'Chaos', familyName: 'Registrant', password, passwordConfirm: password }),
      [303],
    );
  }
}

/** Sockets from anywhere on this machine to `port` that are established (/proc/net/tcp, IPv4). */
export function openSocketsTo(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const cols = line.trim().split(/\s+/);
      return cols[2]?.endsWith(`:${hex}`) && cols[3] === '01';
    }).length;
}

export interface FaultReport {
  fault: string;
  seconds: number;
  load: LoadStats;
  census: Census;
  /** Invariant → held. */
  invariants: Record<string, boolean>;
  notes: string[];
}

export interface FaultTiming {
  /** Load before the fault. */
  beforeMs: number;
  /** How long the fault lasts, under load. */
  faultMs: number;
  /** Load after the fault is over. */
  afterMs: number;
  vus: number;
  /** kill -9: start the killed process again afterwards (else the rest runs on one fewer). */
  restart?: boolean;
}

const until = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seeds what the load signs in with: returning ORCID users (linked through a first sign-in) and password accounts. */
export async function seedLoad(
  t: Topology,
  count = 8,
): Promise<{ returningOrcids: string[]; passwordEmails: string[] }> {
  const tag = randomBytes(4).toString('hex');
  const passwordEmails = Array.from({ length: count }, (_, i) => `pwd-${tag}-${i}@chaos.example`);
  await t.seedPasswordAccounts(passwordEmails);
  const returningOrcids: string[] = [];
  for (let i = 0; i < count; i++) {
    const orcid = await t.orcid.addUser({
      emails: [{ email: `ret-${tag}-${i}@chaos.example`, visibility: 'public', verified: true, primary: true }],
    });
    const b = new RoutedBrowser(null, t.url);
    const back = await signInWithOrcid(b, orcid);
    await b.get(back.location!);
    const created = await b.post(`${back.location}/create`, {});
    if (created.status !== 303) throw new Error(`seeding a returning ORCID user: ${created.status}`);
    returningOrcids.push(orcid);
  }
  return { returningOrcids, passwordEmails };
}

/** Waits (bounded) until every mail the outbox holds was delivered: none pending. */
export async function drainOutbox(t: Topology, timeoutMs: number): Promise<Census> {
  return waitUntil(
    async () => {
      const c = await t.census();
      return c.mailsPending === 0 && c.mailsMissing === 0 ? c : null;
    },
    'every queued mail to reach the catcher',
    timeoutMs,
  ).catch(() => t.census());
}

/**
 * Processes killed so far in each topology. Delivery is at least once: a process killed between
 * the SMTP server's acceptance of a mail and marking it sent leaves it to be sent again when its
 * lease runs out, with the same Message-ID (a receiver can tell). At most one mail per kill: a
 * worker sends one mail at a time and marks each sent before the next.
 */
const kills = new WeakMap<Topology, number>();

function invariantsOf(t: Topology, census: Census): Record<string, boolean> {
  return {
    'no account twice (same email)': census.duplicateEmails === 0,
    'no identity twice (same provider and subject)': census.duplicateIdentities === 0,
    'no half-written registration (account without a way in)': census.accountsWithoutWayIn === 0,
    'every queued mail delivered': census.mailsPending === 0 && census.mailsMissing === 0,
    'no mail delivered twice (by Message-ID), but the one in flight on each killed process':
      census.mailsDuplicated <= (kills.get(t) ?? 0),
  };
}

const count5xx = (errors: Record<string, number>, allowed: (kind: string) => boolean) =>
  Object.entries(errors)
    .filter(([kind]) => /: (5\d\d) /.test(kind) && !allowed(kind))
    .reduce((n, [, c]) => n + c, 0);

/** Waits `minMs`, then (bounded) until `done` holds; false if it never did. */
async function phase(minMs: number, done: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<boolean> {
  await until(minMs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await until(50);
  }
}

/**
 * Load before the fault (until every user completed a flow), the fault (at least `faultMs` and
 * until `effect` shows it bit), load after it (until every user completed another flow). Each
 * phase waits for its condition, bounded; one that never held is reported, not thrown.
 */
async function withLoad(
  t: Topology,
  pools: Awaited<ReturnType<typeof seedLoad>>,
  timing: FaultTiming,
  fault: {
    on: (load: Load) => Promise<void>;
    effect?: (load: Load) => Promise<boolean> | boolean;
    off: (load: Load) => Promise<void>;
  },
): Promise<{ stats: LoadStats; seconds: number; bit: boolean; recovered: boolean }> {
  const started = Date.now();
  const load = new Load(t, pools);
  load.start(timing.vus);
  let bit = false;
  let recovered = false;
  try {
    await phase(timing.beforeMs, () => load.stats.flowsOk >= timing.vus);
    await fault.on(load);
    bit = await phase(timing.faultMs, () => fault.effect?.(load) ?? true);
  } finally {
    await fault.off(load);
  }
  const okBefore = load.stats.flowsOk;
  recovered = await phase(timing.afterMs, () => load.stats.flowsOk >= okBefore + timing.vus);
  const stats = await load.stop();
  return { stats, seconds: (Date.now() - started) / 1000, bit, recovered };
}

/** `kill -9` of one Lanyard process under load; it is started again afterwards. */
export async function killProcessFault(
  t: Topology,
  pools: Awaited<ReturnType<typeof seedLoad>>,
  timing: FaultTiming,
): Promise<FaultReport> {
  const victim = 1;
  let okAtKill = 0;
  const { stats, seconds, recovered } = await withLoad(t, pools, timing, {
    on: async (load) => {
      okAtKill = load.stats.flowsOk;
      kills.set(t, (kills.get(t) ?? 0) + 1);
      await t.kill(victim);
      // The process is gone (its sockets closed): a request sent from now on meets a refused
      // connection there, which the balancer retries on another process.
      load.mark();
    },
    // The others go on serving: every user completes a flow after the kill.
    effect: (load) => load.stats.flowsOk >= okAtKill + timing.vus,
    off: async () => {
      if (!timing.restart) return;
      await t.startProcess(victim);
      await t.waitServing(t.ports.map((_, i) => `l${i + 1}`));
    },
  });
  // A mail claimed by the killed process waits for its lease (60 s) to run out, then another sends it.
  const census = await drainOutbox(t, 120_000);
  const atBalancer = (errors: Record<string, number>) =>
    Object.entries(errors)
      .filter(([k]) => / balancer$|network /.test(k))
      .reduce((n, [, c]) => n + c, 0);
  const balancerErrors = atBalancer(stats.errors);
  const sentAfterKill = atBalancer(stats.errorsSentAfterMark);
  return {
    fault: 'kill -9 of one Lanyard process',
    seconds,
    load: stats,
    census,
    invariants: {
      ...invariantsOf(t, census),
      'no 5xx from Lanyard': count5xx(stats.errors, (k) => k.endsWith(' balancer')) === 0,
      // Each user has one request in flight: at most that many fail with the killed process, and
      // none sent once it was gone.
      'balancer errors only for requests in flight on the killed process':
        balancerErrors <= timing.vus && sentAfterKill === 0,
      'sign-ins succeed after the kill': recovered,
    },
    notes: [
      `${balancerErrors} requests failed at the balancer (in flight on the killed process), ${sentAfterKill} of them sent after it was gone`,
    ],
  };
}

/** The SMTP server refuses connections for `faultMs`, then comes back on its port. */
export async function smtpDownFault(
  t: Topology,
  pools: Awaited<ReturnType<typeof seedLoad>>,
  timing: FaultTiming,
): Promise<FaultReport> {
  const port = t.mail.port;
  let queuedWhileDown = 0;
  const { stats, seconds, recovered } = await withLoad(t, pools, timing, {
    on: async (load) => {
      load.waitForMail = false;
      await t.mail.stop();
    },
    effect: async () => (await t.census()).mailsPending > 0,
    off: async (load) => {
      queuedWhileDown = (await t.census()).mailsPending;
      await t.mail.start(port);
      load.waitForMail = true;
    },
  });
  const draining = Date.now();
  const census = await drainOutbox(t, 120_000);
  const drainedIn = ((Date.now() - draining) / 1000).toFixed(1);
  return {
    fault: 'SMTP server down, then back',
    seconds,
    load: stats,
    census,
    invariants: {
      ...invariantsOf(t, census),
      'no 5xx from Lanyard': count5xx(stats.errors, () => false) === 0,
      'mails were queued while SMTP was down': queuedWhileDown > 0,
      'sign-ins go on once SMTP is back': recovered,
    },
    notes: [
      `${queuedWhileDown} mails waiting in the outbox when SMTP came back`,
      census.mailsPending === 0 && census.mailsMissing === 0
        ? `every mail delivered ${drainedIn} s after the load stopped`
        : `${census.mailsPending} mails still waiting ${drainedIn} s after the load stopped`,
    ],
  };
}

/** Redis unreachable (connections reset, new ones refused) for `faultMs`. */
export async function redisDownFault(
  t: Topology,
  pools: Awaited<ReturnType<typeof seedLoad>>,
  timing: FaultTiming,
): Promise<FaultReport> {
  const logged = () =>
    t.processes.reduce(
      (n, p) => n + (p?.output.match(/redis unavailable|redis.*(ECONNREFUSED|ECONNRESET)/gi)?.length ?? 0),
      0,
    );
  const before = logged();
  let flowsOkDuring = 0;
  let okAtCut = 0;
  const { stats, seconds, recovered } = await withLoad(t, pools, timing, {
    on: async (load) => {
      await t.redis.cut();
      okAtCut = load.stats.flowsOk;
      flowsOkDuring = -load.stats.flowsOk;
    },
    effect: (load) => load.stats.flowsOk >= okAtCut + timing.vus && logged() > before,
    off: async (load) => {
      flowsOkDuring += load.stats.flowsOk;
      await t.redis.restore();
    },
  });
  const census = await drainOutbox(t, 60_000);
  return {
    fault: 'Redis down, then back',
    seconds,
    load: stats,
    census,
    invariants: {
      ...invariantsOf(t, census),
      'no 5xx from Lanyard': count5xx(stats.errors, () => false) === 0,
      'sign-ins went on while Redis was down (limits fail open)': flowsOkDuring > 0,
      'the outage was logged': logged() > before,
      'sign-ins go on once Redis is back': recovered,
    },
    notes: [`${flowsOkDuring} flows completed while Redis was down`],
  };
}

/**
 * Redis silent for `faultMs`: connections stay open, new ones are accepted, nothing is answered
 * (a stopped process, a hung host). Each command is given up on after LANYARD_REDIS_TIMEOUT_MS.
 */
export async function redisSilentFault(
  t: Topology,
  pools: Awaited<ReturnType<typeof seedLoad>>,
  timing: FaultTiming,
): Promise<FaultReport> {
  const logged = () =>
    t.processes.reduce((n, p) => n + (p?.output.match(/redis did not answer in time/g)?.length ?? 0), 0);
  const before = logged();
  let flowsOkDuring = 0;
  let okAtSilence = 0;
  const { stats, seconds, recovered } = await withLoad(t, pools, timing, {
    on: async (load) => {
      t.redis.silence();
      okAtSilence = load.stats.flowsOk;
      flowsOkDuring = -load.stats.flowsOk;
    },
    effect: (load) => load.stats.flowsOk >= okAtSilence + timing.vus && logged() > before,
    off: async (load) => {
      flowsOkDuring += load.stats.flowsOk;
      t.redis.speak();
    },
  });
  const census = await drainOutbox(t, 60_000);
  return {
    fault: 'Redis silent (connections open, nothing answered), then answering again',
    seconds,
    load: stats,
    census,
    invariants: {
      ...invariantsOf(t, census),
      'no 5xx from Lanyard': count5xx(stats.errors, () => false) === 0,
      'sign-ins went on while Redis was silent (each command bounded, then its fallback)': flowsOkDuring > 0,
      'the silence was logged': logged() > before,
      'sign-ins go on once Redis answers again': recovered,
    },
    notes: [`${flowsOkDuring} flows completed while Redis was silent`],
  };
}

/** ORCID answers after `delayMs` (past Lanyard's timeout), then refuses connections; then recovers. */
export async function orcidFault(
  t: Topology,
  pools: Awaited<ReturnType<typeof seedLoad>>,
  timing: FaultTiming,
): Promise<FaultReport> {
  const port = Number(new URL(t.orcid.siteUrl).port);
  let maxSockets = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxSockets = Math.max(maxSockets, openSocketsTo(port));
      await until(100);
    }
  })();
  const rss = () => t.processes.map((p) => (p ? p.rssBytes() : 0));
  const rssBefore = rss();
  const providerPagesOf = (errors: Record<string, number>) =>
    Object.entries(errors)
      .filter(([k]) => k.includes('PROVIDER_UNAVAILABLE'))
      .reduce((n, [, c]) => n + c, 0);
  const { stats, seconds, recovered } = await withLoad(t, pools, timing, {
    on: () => t.orcid.setFaults({ token: { delayMs: 30_000 }, api: { refuseConnections: true } }),
    // Both faults met: a token call given up on after Lanyard's timeout, an API call refused.
    effect: (load) => providerPagesOf(load.stats.errors) >= 2,
    off: () => t.orcid.clearFaults(),
  });
  sampling = false;
  await sampler;
  const rssAfter = rss();
  const census = await drainOutbox(t, 60_000);
  const providerPages = providerPagesOf(stats.errors);
  const growth = Math.max(...rssAfter.map((r, i) => r - (rssBefore[i] ?? 0)));
  return {
    fault: 'ORCID slow (token endpoint past the timeout), API refusing connections',
    seconds,
    load: stats,
    census,
    invariants: {
      ...invariantsOf(t, census),
      'no 5xx from Lanyard but its own PROVIDER_UNAVAILABLE page':
        count5xx(stats.errors, (k) => k.includes('PROVIDER_UNAVAILABLE')) === 0,
      'ORCID failures answered with Lanyard’s page': providerPages > 0,
      // Each user waits on at most one call to ORCID; a pile-up would exceed that.
      'open sockets to ORCID bounded by the users': maxSockets <= timing.vus * 2 + 4,
      'sign-ins succeed once ORCID is back': recovered,
      'memory bounded (RSS growth < 64 MB per process)': growth < 64 * 2 ** 20,
    },
    notes: [
      `${providerPages} ORCID steps answered with PROVIDER_UNAVAILABLE`,
      `at most ${maxSockets} sockets open to ORCID`,
      `RSS growth at most ${(growth / 2 ** 20).toFixed(1)} MB`,
    ],
  };
}

export const FAULTS = {
  'kill-9': killProcessFault,
  'smtp-down': smtpDownFault,
  'redis-down': redisDownFault,
  'redis-silent': redisSilentFault,
  'orcid-down': orcidFault,
} as const;

/** A report as lines for a terminal. */
export function printReport(r: FaultReport): string {
  const errors = Object.entries(r.load.errors).sort((a, b) => b[1] - a[1]);
  return [
    `## ${r.fault} (${r.seconds.toFixed(0)} s)`,
    `requests ${r.load.requests}, flows ${r.load.flows} (${r.load.flowsOk} completed)`,
    `errors: ${errors.length ? errors.map(([k, n]) => `${n}× ${k}`).join('; ') : 'none'}`,
    ...(Object.keys(r.load.errorsSentAfterMark).length
      ? [
          `of which sent after the fault's mark: ${Object.entries(r.load.errorsSentAfterMark)
            .map(([k, n]) => `${n}× ${k}`)
            .join('; ')}`,
        ]
      : []),
    `mails queued ${r.census.mailsQueued}, delivered ${r.census.mailsDelivered}, duplicated ${r.census.mailsDuplicated}, missing ${r.census.mailsMissing}, pending ${r.census.mailsPending}`,
    `accounts duplicated ${r.census.duplicateEmails}, identities duplicated ${r.census.duplicateIdentities}, accounts without a way in ${r.census.accountsWithoutWayIn}`,
    ...r.notes,
    ...Object.entries(r.invariants).map(([k, ok]) => `${ok ? 'held  ' : 'BROKEN'} ${k}`),
  ].join('\n');
}
