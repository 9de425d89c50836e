import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id of @node-rs/argon2 (a const enum, which isolated modules cannot import).
const ARGON2ID = 2;
import type { Config } from '../config/schema.js';

/**
 * argon2id hashing. @node-rs/argon2 runs on libuv's thread pool, so the event loop stays free;
 * a small semaphore caps how many hashes run at once so a burst of sign-ins cannot take all
 * memory (19 MiB each) or starve the pool that file and DNS work also use.
 */
export class PasswordHasher {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private dummy: Promise<string> | undefined;

  constructor(private readonly params: Config['password']) {}

  async hash(password: string): Promise<string> {
    return this.limit(() =>
      hash(password, {
        algorithm: ARGON2ID,
        memoryCost: this.params.memoryCost,
        timeCost: this.params.timeCost,
        parallelism: this.params.parallelism,
      }),
    );
  }

  /** Verifies against `phc`, or against a dummy hash when there is none, so timing says nothing. */
  async verify(phc: string | null | undefined, password: string): Promise<boolean> {
    const target = phc ?? (await (this.dummy ??= this.hash('lanyard-no-such-account')));
    const ok = await this.limit(() => verify(target, password).catch(() => false));
    return ok && phc !== null && phc !== undefined;
  }

  private async limit<T>(fn: () => Promise<T>): Promise<T> {
    // A released slot is handed straight to the next waiter, so the cap holds exactly.
    if (this.active >= this.params.maxConcurrent) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** NIST SP 800-63B: at least 8 characters (we ask 10), at most a sane bound, no composition rules. */
export function passwordProblem(password: string, email: string): 'too_short' | 'too_long' | 'is_email' | null {
  if ([...password].length < 10) return 'too_short';
  if (password.length > 256) return 'too_long';
  if (password.toLowerCase() === email.toLowerCase()) return 'is_email';
  return null;
}
