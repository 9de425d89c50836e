// Authorization codes: single use, short-lived, swept as they expire so a long benchmark does
// not grow memory. A used code is kept (marked) until it would have expired, so a second
// exchange is recognised as reuse rather than as an unknown code.
import { randomAuthorizationCode } from '../lib/random.js';

export interface AuthorizationCode {
  code: string;
  clientId: string;
  orcid: string;
  redirectUri: string;
  scopes: string[];
  nonce: string | null;
  /** Epoch ms of the sign-in behind this code (`auth_time`). */
  authTime: number;
  expiresAt: number;
  used: boolean;
}

export type CodeLookup =
  { kind: 'fresh'; record: AuthorizationCode } | { kind: 'reused'; record: AuthorizationCode } | { kind: 'invalid' };

export class CodeStore {
  readonly #codes = new Map<string, AuthorizationCode>();

  constructor(private readonly lifetimeMs: number) {}

  issue(init: Omit<AuthorizationCode, 'code' | 'expiresAt' | 'used'>, now: number): AuthorizationCode {
    this.sweep(now);
    let code = randomAuthorizationCode();
    while (this.#codes.has(code)) code = randomAuthorizationCode();
    const record = { ...init, code, expiresAt: now + this.lifetimeMs, used: false };
    this.#codes.set(code, record);
    return record;
  }

  /** Consumes a code: the first call gets it fresh, later calls see it as reused. */
  take(code: string, now: number): CodeLookup {
    const record = this.#codes.get(code);
    if (!record || record.expiresAt <= now) return { kind: 'invalid' };
    if (record.used) return { kind: 'reused', record };
    record.used = true;
    return { kind: 'fresh', record };
  }

  /**
   * Drops expired codes. Every code lives equally long and the clock only moves forward, so
   * insertion order is expiry order and the sweep stops at the first live code: O(expired).
   */
  sweep(now: number): void {
    for (const [code, record] of this.#codes) {
      if (record.expiresAt > now) break;
      this.#codes.delete(code);
    }
  }

  clear(): void {
    this.#codes.clear();
  }

  get size(): number {
    return this.#codes.size;
  }
}
