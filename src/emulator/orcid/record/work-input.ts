// Reading a work a client sends (v3.0 JSON) the way the member API does: enum values are checked
// while the JSON is read (`IllegalEnumValueException`, 9051), then `ActivityValidator.validateWork`
// and `ExternalIDValidator.validateWork` run their checks in this order: title, type, publication
// date, external ids present, then each external id's type and value and at least one `self`
// (ORCID-Source orcid-core `manager/v3/validator/`). Only JSON bodies are read (see
// docs/orcid-emulator.md); the XML ORCID also accepts is not emulated.
import type { Visibility } from '../types.js';
import type { FuzzyDate, WorkExternalId, WorkFields } from '../store/works.js';
import type { ApiErrorSpec } from './errors.js';
import {
  externalIdInvalid,
  illegalEnumValue,
  invalidMessage,
  titleRequired,
  typeRequired,
  unreadableBody,
} from './write-errors.js';

/** orcid-model `org.orcid.jaxb.model.common.WorkType`, v3.0 values. */
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

/**
 * External identifier types, as the API spells them: the registry's `identifier_type.id_name`
 * lower-cased with `_` turned into `-`, except `grant_number` (ORCID-Source
 * `ExternalIdentifierTypeConverter`, orcid-persistence `db/updates`).
 */
export const EXTERNAL_ID_TYPES = new Set(
  (
    'agr ark arxiv asin asin-tld authenticusid bibcode cba cienciaiul cit ctx cvid dnb doi eid ethos grant_number ' +
    'hal handle hir isbn issn jfm jstor kuid lccn lensid mr oclc ol osti other-id pat pdb pmc pmid proposal-id rfc ' +
    'rrid source-work-id ssrn uri urn wosuid zbl'
  ).split(' '),
);

const RELATIONSHIPS = ['self', 'part-of', 'version-of', 'funded-by'] as const;
const VISIBILITIES = ['public', 'limited', 'registered-only', 'private'] as const;
const CITATION_TYPES = [
  'formatted-unspecified',
  'bibtex',
  'formatted-apa',
  'formatted-harvard',
  'formatted-ieee',
  'formatted-mla',
  'formatted-vancouver',
  'formatted-chicago',
  'ris',
];

export interface WorkInput {
  fields: WorkFields;
  /** The body's `put-code`, as text (a PUT must repeat the URL's; a POST must have none). */
  putCode: string | null;
  visibility: Visibility | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** `{"value": "…"}` → the string, or null when absent or not a string. */
const valueOf = (v: unknown): string | null => (isObject(v) && typeof v.value === 'string' ? v.value : null);
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

class Refused extends Error {
  constructor(readonly spec: ApiErrorSpec) {
    super(spec.developerMessage);
  }
}

function enumValue<T extends string>(value: unknown, allowed: readonly T[], enumClass: string): T | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new Refused(illegalEnumValue(String(value), enumClass));
}

function externalIds(body: Json): WorkExternalId[] {
  const list = isObject(body['external-ids']) ? body['external-ids']['external-id'] : undefined;
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).map((id) => ({
    type: text(id['external-id-type']) ?? '',
    value: text(id['external-id-value']) ?? '',
    url: valueOf(id['external-id-url']),
    relationship: enumValue(id['external-id-relationship'], RELATIONSHIPS, 'org.orcid.jaxb.model.common.Relationship'),
  }));
}

function publicationDate(v: unknown): FuzzyDate | null {
  if (!isObject(v)) return null;
  const year = valueOf(v.year);
  const month = valueOf(v.month);
  const day = valueOf(v.day);
  for (const [part, value, digits] of [
    ['year', year, 4],
    ['month', month, 2],
    ['day', day, 2],
  ] as const) {
    if (value === null) continue;
    if (!/^\d+$/.test(value)) throw new Refused(typeRequired(`publication date -> ${part}`, ['integers']));
    if (value.length !== digits)
      throw new Refused(
        invalidMessage(`Invalid ${part} ${value} please specify a ${digits === 4 ? 'four' : 'two'} digits value`),
      );
  }
  if (year === null && (month !== null || day !== null))
    throw new Refused(invalidMessage('Invalid date, please specify a year element'));
  if (month === null && day !== null) throw new Refused(invalidMessage('Invalid date, please specify a month element'));
  return year === null ? null : { year, month, day };
}

/** `ExternalIDValidator.validateWork`: every problem collected, then one 9023 naming them. */
function checkExternalIds(ids: WorkExternalId[]): void {
  if (ids.length === 0) throw new Refused(externalIdInvalid(null));
  const problems: string[] = [];
  for (const id of ids) {
    if (!EXTERNAL_ID_TYPES.has(id.type)) problems.push(id.type || 'null');
    if (id.value.trim() === '') problems.push('value');
  }
  if (!ids.some((id) => id.relationship === 'self'))
    problems.push("At least one identifier with 'self' relationship is required");
  if (problems.length > 0)
    throw new Refused(externalIdInvalid(`Invalid external-id ${problems.map((p) => ` ${p}`).join('')}`));
}

function read(raw: string): WorkInput {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (e) {
    throw new Refused(unreadableBody((e as Error).message));
  }
  if (!isObject(body)) throw new Refused(unreadableBody('the body is not a JSON object'));
  // Deserialization: enum values first.
  const type = enumValue(body.type, WORK_TYPES, 'org.orcid.jaxb.model.common.WorkType');
  const visibility = enumValue(body.visibility, VISIBILITIES, 'org.orcid.jaxb.model.v3.release.common.Visibility');
  const citation = isObject(body.citation)
    ? {
        type: enumValue(body.citation['citation-type'], CITATION_TYPES, 'org.orcid.jaxb.model.common.CitationType'),
        value: text(body.citation['citation-value']),
      }
    : null;
  const ids = externalIds(body);
  // Validation.
  const titleObject = isObject(body.title) ? body.title : {};
  const title = valueOf(titleObject.title);
  if (title === null || title.trim() === '') throw new Refused(titleRequired);
  if (type === null) throw new Refused(typeRequired('work type', WORK_TYPES));
  const date = publicationDate(body['publication-date']);
  if (citation && (citation.type === null || !citation.value))
    throw new Refused(invalidMessage('Please specify a citation or remove the parent tag'));
  checkExternalIds(ids);
  const translated = isObject(titleObject['translated-title']) ? titleObject['translated-title'] : null;
  const putCode = body['put-code'];
  return {
    putCode: putCode === undefined || putCode === null ? null : String(putCode),
    visibility,
    fields: {
      title,
      subtitle: valueOf(titleObject.subtitle),
      translatedTitle:
        translated && typeof translated.value === 'string'
          ? { value: translated.value, languageCode: text(translated['language-code']) ?? '' }
          : null,
      journalTitle: valueOf(body['journal-title']),
      shortDescription: text(body['short-description']),
      citation: citation && citation.type && citation.value ? { type: citation.type, value: citation.value } : null,
      type,
      publicationDate: date,
      externalIds: ids,
      url: valueOf(body.url),
      contributors:
        isObject(body.contributors) && Array.isArray(body.contributors.contributor)
          ? body.contributors.contributor
          : null,
      languageCode: text(body['language-code']),
      country: valueOf(body.country),
    },
  };
}

/** The work in `raw` (a JSON text), or the error the member API answers it with. */
export function readWork(raw: string): { work: WorkInput } | { error: ApiErrorSpec } {
  try {
    return { work: read(raw) };
  } catch (e) {
    if (e instanceof Refused) return { error: e.spec };
    throw e;
  }
}
