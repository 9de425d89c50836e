// The person part of a v3.0 record: name, biography, emails, and the `/person`,
// `/personal-details` and `/email` views. Shapes: orcid-model `record-full-3.0.json` and the
// captured pub.orcid.org email response (docs/design.md, ORCID §2.2-§2.3).
import { publicDisplayName } from '../lib/names.js';
import type { EmulatorUser } from '../store/users.js';
import { canSee, dateValue, latest, orcidIdentifier, type Viewer } from './viewer.js';

/** The user as the source of their own items (`source-orcid`, `source-name`). */
export function selfSource(viewer: Viewer, user: EmulatorUser) {
  const name = publicDisplayName(user);
  return {
    'source-orcid': orcidIdentifier(viewer, user.orcid),
    'source-client-id': null,
    'source-name': name === '' ? null : { value: name },
    'assertion-origin-orcid': null,
    'assertion-origin-client-id': null,
    'assertion-origin-name': null,
  };
}

/** A name that is not visible to this reader is `null` (nemar-observed). */
export function nameView(viewer: Viewer, user: EmulatorUser) {
  const { name } = user;
  if (!canSee(viewer, name.visibility)) return null;
  return {
    'created-date': dateValue(user.createdDate),
    'last-modified-date': dateValue(user.createdDate),
    'given-names': { value: name.givenNames },
    'family-name': name.familyName === null ? null : { value: name.familyName },
    'credit-name': name.creditName === null ? null : { value: name.creditName },
    source: null,
    visibility: name.visibility,
    path: user.orcid,
  };
}

function biographyView(viewer: Viewer, user: EmulatorUser) {
  const bio = user.biography;
  if (bio === null || !canSee(viewer, bio.visibility)) return null;
  return {
    'created-date': dateValue(user.createdDate),
    'last-modified-date': dateValue(user.createdDate),
    content: bio.content,
    visibility: bio.visibility,
    path: `/${user.orcid}/biography`,
  };
}

/**
 * `/email`: only verified emails the reader may see. "Unverified emails do not display in the
 * public view… only email addresses that have been verified will appear in API results"
 * (https://info.orcid.org/faq-category/api/). Field order from the captured response.
 */
export function emailsView(viewer: Viewer, user: EmulatorUser) {
  const shown = user.emails.filter((e) => e.verified && canSee(viewer, e.visibility));
  return {
    'last-modified-date': latest(shown.map((e) => e.createdDate)),
    email: shown.map((e) => ({
      'created-date': dateValue(e.createdDate),
      'last-modified-date': dateValue(e.createdDate),
      source: selfSource(viewer, user),
      email: e.email,
      path: null,
      visibility: e.visibility,
      verified: e.verified,
      primary: e.primary,
      'put-code': null,
    })),
    path: `/${user.orcid}/email`,
  };
}

const emptyList = (user: EmulatorUser, key: string, path: string) => ({
  'last-modified-date': null,
  [key]: [],
  path: `/${user.orcid}/${path}`,
});

export function personalDetailsView(viewer: Viewer, user: EmulatorUser) {
  const name = nameView(viewer, user);
  return {
    'last-modified-date': name?.['last-modified-date'] ?? null,
    name,
    'other-names': emptyList(user, 'other-name', 'other-names'),
    biography: biographyView(viewer, user),
    path: `/${user.orcid}/personal-details`,
  };
}

/** `/person`; its email container is named `emails`, while `/email` answers at top level. */
export function personView(viewer: Viewer, user: EmulatorUser) {
  const name = nameView(viewer, user);
  const emails = emailsView(viewer, user);
  return {
    'last-modified-date': emails['last-modified-date'] ?? name?.['last-modified-date'] ?? null,
    name,
    'other-names': emptyList(user, 'other-name', 'other-names'),
    biography: biographyView(viewer, user),
    'researcher-urls': emptyList(user, 'researcher-url', 'researcher-urls'),
    emails,
    addresses: emptyList(user, 'address', 'address'),
    keywords: emptyList(user, 'keyword', 'keywords'),
    'external-identifiers': emptyList(user, 'external-identifier', 'external-identifiers'),
    path: `/${user.orcid}/person`,
  };
}
