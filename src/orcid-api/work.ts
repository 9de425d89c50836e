import type { ExternalId, WorkContent } from './client.js';

/** v3.0's work types (orcid-model `WorkType`): what ORCID accepts in `type`. */
export const WORK_TYPES: readonly string[] = (
  'annotation artistic-performance blog-post book-chapter book-review book cartographic-material clinical-study ' +
  'conference-abstract conference-output conference-paper conference-poster conference-presentation ' +
  'conference-proceedings data-management-plan data-set design dictionary-entry disclosure dissertation-thesis ' +
  'edited-book encyclopedia-entry image invention journal-article journal-issue learning-object lecture-speech ' +
  'license magazine-article manual moving-image musical-composition newsletter-article newspaper-article ' +
  'online-resource other patent physical-object preprint public-speech registered-copyright report ' +
  'research-technique research-tool review software sound spin-off-company standards-and-policy ' +
  'supervised-student-publication technical-standard test trademark transcription translation website ' +
  'working-paper undefined'
).split(' ');

/** ORCID's external identifier types, as the v3.0 API spells them. */
export const EXTERNAL_ID_TYPES: readonly string[] = (
  'agr ark arxiv asin asin-tld authenticusid bibcode cba cienciaiul cit ctx cvid dnb doi eid ethos grant_number ' +
  'hal handle hir isbn issn jfm jstor kuid lccn lensid mr oclc ol osti other-id pat pdb pmc pmid proposal-id rfc ' +
  'rrid source-work-id ssrn uri urn wosuid zbl'
).split(' ');

export const RELATIONSHIPS = ['self', 'part-of', 'version-of', 'funded-by'] as const;

/**
 * An external id as ORCID compares them for duplicates: trimmed; a DOI without its resolver or
 * `doi:` prefix and lower-cased (DOIs are case-insensitive). The key under which Lanyard keeps a
 * work's put-code, so `10.1/ABC` and `https://doi.org/10.1/abc` are one work.
 */
export function normalizedExternalId(type: string, value: string): string {
  const v = value.trim();
  if (type === 'doi') return v.replace(/^(https?:\/\/(dx\.)?doi\.org\/|doi:)/i, '').toLowerCase();
  return v;
}

const sameId = (a: Pick<ExternalId, 'type' | 'value'>, b: Pick<ExternalId, 'type' | 'value'>) =>
  a.type === b.type && normalizedExternalId(a.type, a.value) === normalizedExternalId(b.type, b.value);

/**
 * The work as Lanyard writes it: the repository's content with the path's external id as a
 * `self` identifier (added when the body does not already carry it), since v3.0 needs one and it
 * is the key of the work.
 */
export function withSelfId(content: WorkContent, self: { type: string; value: string }): WorkContent {
  const ids = content.externalIds.filter((e) => !(sameId(e, self) && e.relationship !== 'self'));
  const has = ids.some((e) => e.relationship === 'self' && sameId(e, self));
  return {
    ...content,
    externalIds: has ? ids : [{ type: self.type, value: self.value, url: null, relationship: 'self' }, ...ids],
  };
}

/** Whether a work on the record carries `self` as one of its `self` identifiers. */
export const carriesSelfId = (ids: ExternalId[], self: { type: string; value: string }) =>
  ids.some((e) => e.relationship === 'self' && sameId(e, self));
