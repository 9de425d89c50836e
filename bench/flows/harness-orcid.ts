import type { Flow } from '../load.js';
import { expectSession, orcidRoundTrips } from './orcid.js';

/** The floor: the same browser round trips against the bare relying party (bench/harness.ts). */
export function harnessFlow(harnessUrl: string, users: readonly string[]): Flow {
  return async (it) => {
    const res = await orcidRoundTrips(it, `${harnessUrl}/start`, users[it.index % users.length]!);
    expectSession(res, 'harness-session');
  };
}
