// Fault modes a test switches on per endpoint group: slowness, 500s, 503 rate limiting,
// malformed JSON, refused connections. Pure decision logic; plugin hooks apply it
// (routes/fault-hooks.ts). The rate limiter is a token bucket on the emulator's clock, so
// tests exhaust and refill it without sleeping. ORCID answers bursts past its limit with 503
// (https://info.orcid.org/ufaqs/what-are-the-api-limits; docs/design.md, ORCID §2.5).

export const ENDPOINT_GROUPS = ['discovery', 'authorize', 'token', 'revoke', 'userinfo', 'api'] as const;
export type EndpointGroup = (typeof ENDPOINT_GROUPS)[number];

export interface FaultSpec {
  /** Wait this long (real milliseconds) before answering. */
  delayMs?: number;
  /** Answer every request with this status instead. */
  status?: 500 | 502 | 503 | 504;
  /** Send the normal response with its JSON body cut in half. */
  malformedJson?: boolean;
  /** Drop the connection without answering (a socket reset on the standalone server). */
  refuseConnections?: boolean;
  /**
   * Do the work, then drop the connection instead of answering: a write that reached ORCID and
   * took effect, but whose answer the client never got (a timeout, a proxy reset).
   */
  loseResponse?: boolean;
  /** 503 once more than `burst` requests arrive faster than `perSecond` (ORCID: 12-24/s, burst 40). */
  rateLimit?: { perSecond: number; burst: number };
  /**
   * Send `Retry-After` with this many seconds on the 503s above. Off by default: ORCID documents the
   * 503 past its burst, not a Retry-After on it; this is for clients that honour one when a front
   * end (a proxy, a gateway) sends it.
   */
  retryAfterSeconds?: number;
  /** Affect only the next `times` requests, then switch off. */
  times?: number;
}

/** Per group; `all` applies to every group, and `null` switches a group's faults off. */
export type FaultSettings = Partial<Record<EndpointGroup | 'all', FaultSpec | null>>;

export interface FaultDecision {
  delayMs: number;
  refuse: boolean;
  loseResponse: boolean;
  status: 500 | 502 | 503 | 504 | null;
  /** With a 503: the `Retry-After` to send, if the fault asks for one. */
  retryAfterSeconds: number | null;
  malformedJson: boolean;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
  tokens: number;
  refilledAt: number;
}

export class Faults {
  readonly #active = new Map<EndpointGroup, ActiveFault>();

  set(settings: FaultSettings, now: number): void {
    const apply = (group: EndpointGroup, spec: FaultSpec | null | undefined) => {
      if (spec === undefined) return;
      if (spec === null) this.#active.delete(group);
      else
        this.#active.set(group, {
          spec,
          remaining: spec.times ?? Infinity,
          tokens: spec.rateLimit?.burst ?? 0,
          refilledAt: now,
        });
    };
    for (const group of ENDPOINT_GROUPS) apply(group, settings.all);
    for (const group of ENDPOINT_GROUPS) apply(group, settings[group]);
  }

  clear(): void {
    this.#active.clear();
  }

  /** The faults currently switched on, per group. */
  snapshot(): FaultSettings {
    return Object.fromEntries([...this.#active].map(([group, f]) => [group, f.spec]));
  }

  /** What to do to one request to `group`, or null to serve it normally. */
  next(group: EndpointGroup, now: number): FaultDecision | null {
    const fault = this.#active.get(group);
    if (!fault) return null;
    const { spec } = fault;
    if (--fault.remaining <= 0) this.#active.delete(group);
    return {
      delayMs: spec.delayMs ?? 0,
      refuse: spec.refuseConnections ?? false,
      loseResponse: spec.loseResponse ?? false,
      status: spec.status ?? (spec.rateLimit && !this.#takeToken(fault, spec.rateLimit, now) ? 503 : null),
      retryAfterSeconds: spec.retryAfterSeconds ?? null,
      malformedJson: spec.malformedJson ?? false,
    };
  }

  #takeToken(fault: ActiveFault, limit: { perSecond: number; burst: number }, now: number): boolean {
    const elapsed = Math.max(0, now - fault.refilledAt);
    fault.tokens = Math.min(limit.burst, fault.tokens + (elapsed * limit.perSecond) / 1000);
    fault.refilledAt = now;
    if (fault.tokens < 1) return false;
    fault.tokens -= 1;
    return true;
  }
}
