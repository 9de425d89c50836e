// `/works` and the activities summary of `/record` (shape: orcid-model `record-full-3.0.json`;
// orcid-protocol.md §2.3). One group per work: the emulator's fixtures never hold duplicates.
import type { EmulatorUser, EmulatorWork } from '../store/users.js';
import { selfSource } from './person.js';
import { canSee, dateValue, latest, type Viewer } from './viewer.js';

function externalIds(work: EmulatorWork) {
  if (work.doi === null) return { 'external-id': [] };
  return {
    'external-id': [
      {
        'external-id-type': 'doi',
        'external-id-value': work.doi,
        'external-id-normalized': { value: work.doi.toLowerCase(), transient: true },
        'external-id-normalized-error': null,
        'external-id-url': { value: `https://doi.org/${work.doi}` },
        'external-id-relationship': 'self',
      },
    ],
  };
}

function workSummary(viewer: Viewer, user: EmulatorUser, work: EmulatorWork) {
  return {
    'put-code': work.putCode,
    'created-date': dateValue(work.createdDate),
    'last-modified-date': dateValue(work.createdDate),
    source: selfSource(viewer, user),
    title: { title: { value: work.title }, subtitle: null, 'translated-title': null },
    'external-ids': externalIds(work),
    url: null,
    type: work.type,
    'publication-date': work.year === null ? null : { year: { value: String(work.year) }, month: null, day: null },
    'journal-title': work.journal === null ? null : { value: work.journal },
    visibility: work.visibility,
    path: `/${user.orcid}/work/${work.putCode}`,
    'display-index': '0',
  };
}

export function worksView(viewer: Viewer, user: EmulatorUser) {
  const shown = user.works.filter((w) => canSee(viewer, w.visibility));
  return {
    'last-modified-date': latest(shown.map((w) => w.createdDate)),
    group: shown.map((work) => ({
      'last-modified-date': dateValue(work.createdDate),
      'external-ids': externalIds(work),
      'work-summary': [workSummary(viewer, user, work)],
    })),
    path: `/${user.orcid}/works`,
  };
}
