// `/record` (and the bare `/{iD}`): identifier, preferences, history, person, activities
// (keys from orcid-model `record-full-3.0.json`; docs/design.md, ORCID §2.3).
import type { EmulatorUser } from '../store/users.js';
import { affiliationsView, fundingsView } from './affiliations.js';
import { personView } from './person.js';
import { dateValue, orcidIdentifier, type Viewer } from './viewer.js';
import { worksView } from './works.js';

const employmentsView = affiliationsView('employments');
const educationsView = affiliationsView('educations');

/** `/activities` (and the `activities-summary` of `/record`), sections in ORCID's key order. */
export function activitiesView(viewer: Viewer, user: EmulatorUser) {
  const empty = (section: string, key: string) => ({
    'last-modified-date': null,
    [key]: [],
    path: `/${user.orcid}/${section}`,
  });
  const educations = educationsView(viewer, user);
  const employments = employmentsView(viewer, user);
  const fundings = fundingsView(viewer, user);
  const works = worksView(viewer, user);
  const dates = [educations, employments, fundings, works]
    .map((s) => s['last-modified-date']?.value)
    .filter((d): d is number => d !== undefined);
  return {
    'last-modified-date': dates.length === 0 ? null : dateValue(Math.max(...dates)),
    distinctions: empty('distinctions', 'affiliation-group'),
    educations,
    employments,
    fundings,
    'invited-positions': empty('invited-positions', 'affiliation-group'),
    memberships: empty('memberships', 'affiliation-group'),
    'peer-reviews': empty('peer-reviews', 'group'),
    qualifications: empty('qualifications', 'affiliation-group'),
    'research-resources': empty('research-resources', 'group'),
    services: empty('services', 'affiliation-group'),
    works,
    path: `/${user.orcid}/activities`,
  };
}

export { educationsView, employmentsView };

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
    'activities-summary': activitiesView(viewer, user),
    path: `/${user.orcid}`,
  };
}
