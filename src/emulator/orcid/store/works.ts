// Works on a record, as the member API stores them: a put-code, who added it (the record holder
// or a client: the "source"), and the v3.0 fields a client may send. Fixture works are the user's
// own; works a client POSTs carry that client as source, which is what ORCID's duplicate rule and
// "only the source may update or delete" rule key on (ORCID-Source `WorkManagerImpl`,
// `ActivityValidator.checkExternalIdentifiersForDuplicates`).
import type { FixtureWork, Visibility } from '../types.js';

export interface WorkExternalId {
  type: string;
  value: string;
  url: string | null;
  relationship: 'self' | 'part-of' | 'version-of' | 'funded-by' | null;
}

export interface FuzzyDate {
  year: string;
  month: string | null;
  day: string | null;
}

/** The fields of a v3.0 work that a client writes (orcid-model `record_3.0/work-3.0.xsd`). */
export interface WorkFields {
  title: string;
  subtitle: string | null;
  translatedTitle: { value: string; languageCode: string } | null;
  journalTitle: string | null;
  shortDescription: string | null;
  citation: { type: string; value: string } | null;
  type: string;
  publicationDate: FuzzyDate | null;
  externalIds: WorkExternalId[];
  url: string | null;
  /** Kept as sent: the emulator does not interpret contributors. */
  contributors: unknown[] | null;
  languageCode: string | null;
  country: string | null;
}

/** `user`: the record holder added it on orcid.org; `client`: a member client POSTed it. */
export type WorkSource = { kind: 'user' } | { kind: 'client'; clientId: string };

export interface EmulatorWork extends WorkFields {
  putCode: number;
  source: WorkSource;
  visibility: Visibility;
  createdDate: number;
  lastModifiedDate: number;
}

// Put-codes are one sequence across the registry, as the database sequence behind ORCID's are.
let lastPutCode = 1_000_000;
export const nextPutCode = (): number => ++lastPutCode;

/**
 * The value two external ids are compared by. ORCID normalises before its duplicate check
 * (`PIDNormalizationService`): DOIs lose their resolver prefix and case; other types are trimmed.
 */
export function normalizedExternalId(type: string, value: string): string {
  const v = value.trim();
  if (type === 'doi') return v.replace(/^(https?:\/\/(dx\.)?doi\.org\/|doi:)/i, '').toLowerCase();
  return v;
}

export const sameSource = (a: WorkSource, b: WorkSource): boolean =>
  a.kind === b.kind && (a.kind === 'user' || a.clientId === (b as { clientId: string }).clientId);

/** True when both works carry the same `self` external id: ORCID's definition of a duplicate. */
export function sharesSelfId(a: Pick<WorkFields, 'externalIds'>, b: Pick<WorkFields, 'externalIds'>): boolean {
  const key = (id: WorkExternalId) => `${id.type}\u0000${normalizedExternalId(id.type, id.value)}`;
  const mine = new Set(a.externalIds.filter((id) => id.relationship === 'self').map(key));
  return b.externalIds.some((id) => id.relationship === 'self' && mine.has(key(id)));
}

/** A fixture work: the user's own, a DOI as its one `self` identifier when given. */
export function fixtureWork(w: FixtureWork, now: number): EmulatorWork {
  return {
    putCode: nextPutCode(),
    source: { kind: 'user' },
    visibility: w.visibility ?? 'public',
    createdDate: now,
    lastModifiedDate: now,
    title: w.title,
    subtitle: null,
    translatedTitle: null,
    journalTitle: w.journal ?? null,
    shortDescription: null,
    citation: null,
    type: w.type ?? 'journal-article',
    publicationDate: w.year === undefined ? null : { year: String(w.year), month: null, day: null },
    externalIds: w.doi ? [{ type: 'doi', value: w.doi, url: `https://doi.org/${w.doi}`, relationship: 'self' }] : [],
    url: null,
    contributors: null,
    languageCode: null,
    country: null,
  };
}
