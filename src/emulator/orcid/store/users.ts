// A fixture user turned into the record the emulator serves: defaults filled, dates and
// put-codes assigned. The shapes mirror ORCID v3.0 record parts (docs/design.md, ORCID §2.2-§2.3).
import { isValidOrcid, mintOrcid } from '../ids.js';
import type { FixtureAffiliation, FixtureFunding, FixtureUser, Visibility } from '../types.js';
import { EmulatorInputError } from '../lib/errors.js';
import { type EmulatorWork, fixtureWork, nextPutCode } from './works.js';

export interface EmulatorEmail {
  email: string;
  visibility: Visibility;
  verified: boolean;
  primary: boolean;
  createdDate: number;
}

type Completed<T> = { [K in keyof T]-?: Exclude<T[K], undefined> | null };

/** An employment or education (affiliation summaries share one shape in v3.0). */
export interface EmulatorAffiliation extends Completed<Omit<FixtureAffiliation, 'visibility' | 'organization'>> {
  organization: string;
  putCode: number;
  visibility: Visibility;
  createdDate: number;
}

export interface EmulatorFunding extends Completed<
  Omit<FixtureFunding, 'visibility' | 'organization' | 'title' | 'type'>
> {
  title: string;
  type: string;
  organization: string;
  putCode: number;
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
  employments: EmulatorAffiliation[];
  educations: EmulatorAffiliation[];
  fundings: EmulatorFunding[];
  /** What works a client adds get: ORCID applies the record's default, not the client's wish. */
  activitiesVisibilityDefault: Visibility;
  mfa: boolean;
  createdDate: number;
  /** Epoch ms of the last sign-in; the ID token's `auth_time` (legacy `ProfileEntity.getLastLogin()`). */
  lastLogin: number | null;
}

const affiliation = (a: FixtureAffiliation, now: number): EmulatorAffiliation => ({
  organization: a.organization,
  city: a.city ?? null,
  country: a.country ?? null,
  department: a.department ?? null,
  role: a.role ?? null,
  startYear: a.startYear ?? null,
  endYear: a.endYear ?? null,
  putCode: nextPutCode(),
  visibility: a.visibility ?? 'public',
  createdDate: now,
});

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
    works: (fixture.works ?? []).map((w) => fixtureWork(w, now)),
    employments: (fixture.employments ?? []).map((a) => affiliation(a, now)),
    educations: (fixture.educations ?? []).map((a) => affiliation(a, now)),
    fundings: (fixture.fundings ?? []).map((f) => ({
      title: f.title,
      type: f.type ?? 'grant',
      organization: f.organization,
      city: f.city ?? null,
      country: f.country ?? null,
      startYear: f.startYear ?? null,
      endYear: f.endYear ?? null,
      grantNumber: f.grantNumber ?? null,
      putCode: nextPutCode(),
      visibility: f.visibility ?? 'public',
      createdDate: now,
    })),
    activitiesVisibilityDefault: fixture.activitiesVisibilityDefault ?? 'public',
    mfa: fixture.mfa ?? false,
    createdDate: now,
    lastLogin: null,
  };
}
