// The emulator's users and clients for one run, written as a fixtures file for
// `src/emulator/orcid/main.ts --fixtures` (the emulator runs in its own process).
import { orcidCheckDigit } from '../src/emulator/orcid/index.js';
import type { EmulatorFixtures } from '../src/emulator/orcid/index.js';

export const LANYARD_CLIENT = { clientId: 'APP-LANYARDBENCH0001', clientSecret: 'lanyard-bench-secret' } as const;
export const HARNESS_CLIENT = { clientId: 'APP-HARNESSBENCH0001', clientSecret: 'harness-bench-secret' } as const;

/** A valid iD in a block no real person has: 0009-9<kind><n> with its MOD 11-2 check digit. */
function benchOrcid(kind: 1 | 2, n: number): string {
  const base = `00099${kind}${String(n).padStart(9, '0')}`;
  const d = base + orcidCheckDigit(base);
  return `${d.slice(0, 4)}-${d.slice(4, 8)}-${d.slice(8, 12)}-${d.slice(12)}`;
}

export interface BenchUsers {
  /** Public, verified email: after one first sign-in, a returning user. */
  returning: string[];
  /** Private email: every sign-in of one not yet linked is a first sign-in to "we need your email". */
  privateEmail: string[];
}

export function benchFixtures(opts: {
  lanyardUrl: string;
  harnessUrl: string;
  returning: number;
  privateEmail: number;
}): { fixtures: EmulatorFixtures; users: BenchUsers } {
  const returning = Array.from({ length: opts.returning }, (_, i) => benchOrcid(1, i));
  const privateEmail = Array.from({ length: opts.privateEmail }, (_, i) => benchOrcid(2, i));
  return {
    users: { returning, privateEmail },
    fixtures: {
      clients: [
        { ...LANYARD_CLIENT, name: 'Lanyard (benchmark)', member: true, redirectUris: [opts.lanyardUrl] },
        {
          ...HARNESS_CLIENT,
          name: 'Bare relying party (benchmark floor)',
          member: true,
          redirectUris: [opts.harnessUrl],
        },
      ],
      users: [
        ...returning.map((orcid, i) => ({
          orcid,
          givenNames: 'Returning',
          familyName: `Researcher ${i}`,
          emails: [{ email: `bench-r${i}@example.org`, visibility: 'public' as const, verified: true, primary: true }],
        })),
        ...privateEmail.map((orcid, i) => ({
          orcid,
          givenNames: 'Private',
          familyName: `Researcher ${i}`,
          emails: [{ email: `bench-p${i}@example.org`, visibility: 'private' as const, verified: true, primary: true }],
        })),
      ],
    },
  };
}
