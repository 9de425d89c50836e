// A fixture user turned into the record the emulator serves: defaults filled, dates and
// put-codes assigned. The shapes mirror ORCID v3.0 record parts (orcid-protocol.md §2.2-§2.3).
import { isValidOrcid, mintOrcid } from '../ids.js';
import type { FixtureUser, Visibility } from '../types.js';
import { EmulatorInputError } from '../lib/errors.js';

export interface EmulatorEmail {
  email: string;
  visibility: Visibility;
  verified: boolean;
  primary: boolean;
  createdDate: number;
}

export interface EmulatorWork {
  putCode: number;
  title: string;
  type: string;
  year: number | null;
  journal: string | null;
  doi: string | null;
  visibility: Visibility;
  createdDate: number;
}

export interface EmulatorUser {
  orcid: string;
  description: string;
  name: { givenNames: string; familyName: string | null; creditName: string | null; visibility: Visibility };
  biography: { content: string; visibility: Visibility } | null;
  emails: EmulatorEmail[];
  works: EmulatorWork[];
  mfa: boolean;
  createdDate: number;
  /** Epoch ms of the last sign-in; the ID token's `auth_time` (legacy `ProfileEntity.getLastLogin()`). */
  lastLogin: number | null;
}

let nextPutCode = 1_000_000;

/** Validates and completes a fixture user; throws `EmulatorInputError` naming the bad field. */
export function createUser(fixture: FixtureUser, now: number, taken: ReadonlyMap<string, unknown>): EmulatorUser {
  const orcid = fixture.orcid ?? mintOrcid(taken);
  if (!isValidOrcid(orcid)) {
    throw new EmulatorInputError(`orcid: "${orcid}" is not a valid iD (format or MOD 11-2 check digit)`);
  }
  if (taken.has(orcid)) throw new EmulatorInputError(`orcid: ${orcid} already exists`);
  const emails = (fixture.emails ?? []).map((e) => ({
    email: e.email,
    visibility: e.visibility,
    verified: e.verified,
    primary: e.primary ?? false,
    createdDate: now,
  }));
  if (emails.length > 0 && !emails.some((e) => e.primary)) emails[0]!.primary = true;
  return {
    orcid,
    description: fixture.description ?? '',
    name: {
      givenNames: fixture.givenNames,
      familyName: fixture.familyName ?? null,
      creditName: fixture.creditName ?? null,
      visibility: fixture.nameVisibility ?? 'public',
    },
    biography: fixture.biography
      ? { content: fixture.biography, visibility: fixture.biographyVisibility ?? 'public' }
      : null,
    emails,
    works: (fixture.works ?? []).map((w) => ({
      putCode: nextPutCode++,
      title: w.title,
      type: w.type ?? 'journal-article',
      year: w.year ?? null,
      journal: w.journal ?? null,
      doi: w.doi ?? null,
      visibility: w.visibility ?? 'public',
      createdDate: now,
    })),
    mfa: fixture.mfa ?? false,
    createdDate: now,
    lastLogin: null,
  };
}
