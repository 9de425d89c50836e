// `/record` (and the bare `/{iD}`): identifier, preferences, history, person, activities
// (keys from orcid-model `record-full-3.0.json`; orcid-protocol.md §2.3).
import type { EmulatorUser } from '../store/users.js';
import { personView } from './person.js';
import { dateValue, orcidIdentifier, type Viewer } from './viewer.js';
import { worksView } from './works.js';

const AFFILIATIONS = [
  'distinctions',
  'educations',
  'employments',
  'invited-positions',
  'memberships',
  'qualifications',
  'services',
];
const GROUPED = ['fundings', 'peer-reviews', 'research-resources'];

function activitiesSummary(viewer: Viewer, user: EmulatorUser) {
  const works = worksView(viewer, user);
  const empty = (section: string, key: string) =>
    [section, { 'last-modified-date': null, [key]: [], path: `/${user.orcid}/${section}` }] as const;
  return {
    'last-modified-date': works['last-modified-date'],
    ...Object.fromEntries(AFFILIATIONS.map((s) => empty(s, 'affiliation-group'))),
    ...Object.fromEntries(GROUPED.map((s) => empty(s, 'group'))),
    works,
    path: `/${user.orcid}/activities`,
  };
}

export function recordView(viewer: Viewer, user: EmulatorUser) {
  const verified = user.emails.some((e) => e.verified);
  return {
    'orcid-identifier': orcidIdentifier(viewer, user.orcid),
    preferences: { locale: 'en' },
    history: {
      'creation-method': 'DIRECT',
      'completion-date': null,
      'submission-date': dateValue(user.createdDate),
      'last-modified-date': dateValue(user.createdDate),
      claimed: true,
      source: null,
      'deactivation-date': null,
      'verified-email': verified,
      'verified-primary-email': user.emails.some((e) => e.primary && e.verified),
    },
    person: personView(viewer, user),
    'activities-summary': activitiesSummary(viewer, user),
    path: `/${user.orcid}`,
  };
}
