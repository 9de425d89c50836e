// Works as the v3.0 API shows them: `/works` (groups of summaries), `/work/{put-code}` (one full
// work) and the works part of `/record`. Shapes and key order: orcid-model
// `record-full-3.0.json` and `work-full-3.0.json` (docs/design.md, ORCID §2.3). Works sharing a `self`
// external id form one group, each with its own source, as ORCID groups a repository's copy with
// the researcher's own.
import type { EmulatorUser } from '../store/users.js';
import { normalizedExternalId, type EmulatorWork, type FuzzyDate, type WorkExternalId } from '../store/works.js';
import { selfSource } from './person.js';
import { canSee, dateValue, latest, type Viewer } from './viewer.js';

/** `source`: the record holder, or the client that added the work (`source-client-id`). */
function sourceView(viewer: Viewer, user: EmulatorUser, work: EmulatorWork) {
  if (work.source.kind === 'user') return selfSource(viewer, user);
  const { clientId } = work.source;
  return {
    'source-orcid': null,
    'source-client-id': { uri: `${viewer.baseUrl}/client/${clientId}`, path: clientId, host: viewer.host },
    'source-name': { value: viewer.clientName(clientId) },
    'assertion-origin-orcid': null,
    'assertion-origin-client-id': null,
    'assertion-origin-name': null,
  };
}

/** A reader sees public items, limited ones with `/read-limited`, and everything its client added. */
export function canSeeWork(viewer: Viewer, work: EmulatorWork): boolean {
  if (work.source.kind === 'client' && work.source.clientId === viewer.clientId) return true;
  return canSee(viewer, work.visibility);
}

function externalIdView(id: WorkExternalId) {
  return {
    'external-id-type': id.type,
    'external-id-value': id.value,
    'external-id-normalized': { value: normalizedExternalId(id.type, id.value), transient: true },
    'external-id-normalized-error': null,
    'external-id-url': id.url === null ? null : { value: id.url },
    'external-id-relationship': id.relationship,
  };
}

export const externalIdsView = (ids: WorkExternalId[]) => ({ 'external-id': ids.map(externalIdView) });

export const fuzzyDateView = (date: FuzzyDate | null) =>
  date === null
    ? null
    : {
        year: { value: date.year },
        month: date.month === null ? null : { value: date.month },
        day: date.day === null ? null : { value: date.day },
      };

function titleView(work: EmulatorWork) {
  return {
    title: { value: work.title },
    subtitle: work.subtitle === null ? null : { value: work.subtitle },
    'translated-title':
      work.translatedTitle === null
        ? null
        : { value: work.translatedTitle.value, 'language-code': work.translatedTitle.languageCode },
  };
}

function workSummary(viewer: Viewer, user: EmulatorUser, work: EmulatorWork) {
  return {
    'put-code': work.putCode,
    'created-date': dateValue(work.createdDate),
    'last-modified-date': dateValue(work.lastModifiedDate),
    source: sourceView(viewer, user, work),
    title: titleView(work),
    'external-ids': externalIdsView(work.externalIds),
    url: work.url === null ? null : { value: work.url },
    type: work.type,
    'publication-date': fuzzyDateView(work.publicationDate),
    'journal-title': work.journalTitle === null ? null : { value: work.journalTitle },
    visibility: work.visibility,
    path: `/${user.orcid}/work/${work.putCode}`,
    'display-index': '0',
  };
}

/** `/work/{put-code}`: the whole work, in the key order of ORCID's work JSON. */
export function workView(viewer: Viewer, user: EmulatorUser, work: EmulatorWork) {
  return {
    'created-date': dateValue(work.createdDate),
    'last-modified-date': dateValue(work.lastModifiedDate),
    source: sourceView(viewer, user, work),
    'put-code': work.putCode,
    path: `/${user.orcid}/work/${work.putCode}`,
    title: titleView(work),
    'journal-title': work.journalTitle === null ? null : { value: work.journalTitle },
    'short-description': work.shortDescription,
    citation:
      work.citation === null ? null : { 'citation-type': work.citation.type, 'citation-value': work.citation.value },
    type: work.type,
    'publication-date': fuzzyDateView(work.publicationDate),
    'external-ids': externalIdsView(work.externalIds),
    url: work.url === null ? null : { value: work.url },
    contributors: { contributor: work.contributors ?? [] },
    'language-code': work.languageCode,
    country: work.country === null ? null : { value: work.country },
    visibility: work.visibility,
  };
}

/** Works that share a `self` external id (after normalisation) end up in one group. */
function groupWorks(works: EmulatorWork[]): EmulatorWork[][] {
  const groups: { keys: Set<string>; works: EmulatorWork[] }[] = [];
  for (const work of works) {
    const keys = work.externalIds
      .filter((id) => id.relationship === 'self')
      .map((id) => `${id.type}\u0000${normalizedExternalId(id.type, id.value)}`);
    const group = groups.find((g) => keys.some((k) => g.keys.has(k)));
    if (group) {
      keys.forEach((k) => group.keys.add(k));
      group.works.push(work);
    } else groups.push({ keys: new Set(keys), works: [work] });
  }
  return groups.map((g) => g.works);
}

export function worksView(viewer: Viewer, user: EmulatorUser) {
  const shown = user.works.filter((w) => canSeeWork(viewer, w));
  return {
    'last-modified-date': latest(shown.map((w) => w.lastModifiedDate)),
    group: groupWorks(shown).map((group) => ({
      'last-modified-date': latest(group.map((w) => w.lastModifiedDate)),
      'external-ids': externalIdsView(
        group
          .flatMap((w) => w.externalIds.filter((id) => id.relationship === 'self'))
          .filter(
            (id, i, all) =>
              all.findIndex(
                (o) =>
                  o.type === id.type &&
                  normalizedExternalId(o.type, o.value) === normalizedExternalId(id.type, id.value),
              ) === i,
          ),
      ),
      'work-summary': group.map((work) => workSummary(viewer, user, work)),
    })),
    path: `/${user.orcid}/works`,
  };
}
