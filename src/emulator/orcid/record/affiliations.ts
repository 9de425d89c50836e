// `/employments`, `/educations` and `/fundings`, and their parts of `/record`. Shapes and key
// order: orcid-model `record-full-3.0.json` (`affiliation-group` → `summaries` →
// `employment-summary`; `group` → `funding-summary`). Every item is the record holder's own.
import type { EmulatorAffiliation, EmulatorFunding, EmulatorUser } from '../store/users.js';
import { selfSource } from './person.js';
import { canSee, dateValue, latest, type Viewer } from './viewer.js';

const yearOnly = (year: number | null) =>
  year === null ? null : { year: { value: String(year) }, month: null, day: null };

const organization = (name: string, city: string | null, country: string | null) => ({
  name,
  address: { city, region: null, country },
  'disambiguated-organization': null,
});

const noExternalIds = { 'external-id': [] };

export type AffiliationSection = 'employments' | 'educations';

function affiliationSummary(viewer: Viewer, user: EmulatorUser, a: EmulatorAffiliation, section: AffiliationSection) {
  const kind = section.slice(0, -1);
  return {
    [`${kind}-summary`]: {
      'created-date': dateValue(a.createdDate),
      'last-modified-date': dateValue(a.createdDate),
      source: selfSource(viewer, user),
      'put-code': a.putCode,
      'department-name': a.department,
      'role-title': a.role,
      'start-date': yearOnly(a.startYear),
      'end-date': yearOnly(a.endYear),
      organization: organization(a.organization, a.city, a.country),
      url: null,
      'external-ids': null,
      'display-index': '0',
      visibility: a.visibility,
      path: `/${user.orcid}/${kind}/${a.putCode}`,
    },
  };
}

export function affiliationsView(section: AffiliationSection) {
  return (viewer: Viewer, user: EmulatorUser) => {
    const shown = user[section].filter((a) => canSee(viewer, a.visibility));
    return {
      'last-modified-date': latest(shown.map((a) => a.createdDate)),
      'affiliation-group': shown.map((a) => ({
        'last-modified-date': dateValue(a.createdDate),
        'external-ids': noExternalIds,
        summaries: [affiliationSummary(viewer, user, a, section)],
      })),
      path: `/${user.orcid}/${section}`,
    };
  };
}

function fundingSummary(viewer: Viewer, user: EmulatorUser, f: EmulatorFunding) {
  const ids =
    f.grantNumber === null
      ? noExternalIds
      : {
          'external-id': [
            {
              'external-id-type': 'grant_number',
              'external-id-value': f.grantNumber,
              'external-id-normalized': null,
              'external-id-normalized-error': null,
              'external-id-url': null,
              'external-id-relationship': 'self',
            },
          ],
        };
  return {
    ids,
    summary: {
      'created-date': dateValue(f.createdDate),
      'last-modified-date': dateValue(f.createdDate),
      source: selfSource(viewer, user),
      title: { title: { value: f.title }, 'translated-title': null },
      'external-ids': ids,
      url: null,
      type: f.type,
      'start-date': yearOnly(f.startYear),
      'end-date': yearOnly(f.endYear),
      organization: organization(f.organization, f.city, f.country),
      visibility: f.visibility,
      'put-code': f.putCode,
      path: `/${user.orcid}/funding/${f.putCode}`,
      'display-index': '0',
    },
  };
}

export function fundingsView(viewer: Viewer, user: EmulatorUser) {
  const shown = user.fundings.filter((f) => canSee(viewer, f.visibility));
  return {
    'last-modified-date': latest(shown.map((f) => f.createdDate)),
    group: shown.map((f) => {
      const { ids, summary } = fundingSummary(viewer, user, f);
      return { 'last-modified-date': dateValue(f.createdDate), 'external-ids': ids, 'funding-summary': [summary] };
    }),
    path: `/${user.orcid}/fundings`,
  };
}
