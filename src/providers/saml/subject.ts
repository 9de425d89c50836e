import type { Logger } from 'pino';
import { type AttributeValues, readAttributes } from './attributes.js';
import type { Idp } from './catalogue.js';
import type { SamlEntry } from './config.js';
import { nameIdFormat } from './namespaces.js';
import type { ParsedAssertion } from './response/assertion.js';
import { refuse } from './response/checks.js';
import { inScope, scopeOf } from './scope.js';

export type SubjectKind = 'subject-id' | 'pairwise-id' | 'persistent' | 'eppn';

export interface SamlSubject {
  kind: SubjectKind;
  value: string;
}

/** What an IdP released about a person, after the scope checks. */
export interface Released {
  /** Usable identifiers, best first: subject-id, pairwise-id, persistent NameID, eppn. */
  subjects: SamlSubject[];
  emails: string[];
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  eppn: string | null;
  affiliations: string[];
  /** eduPersonOrcid: an iD the IdP asserts — a hint, never an ORCID-authenticated iD. */
  orcid: string | null;
}

/** REFEDS/OASIS subject-id and pairwise-id: `uniqueID@scope`, compared case-insensitively. */
const subjectIdSyntax = /^[0-9a-z][-=0-9a-z]{0,126}@[0-9a-z][-.0-9a-z]{0,126}$/i;
const orcidUrl = /^https:\/\/(sandbox\.)?orcid\.org\/(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$/;

/**
 * Reads the person out of a verified assertion. Scoped values (subject-id, pairwise-id, eppn,
 * affiliations) must carry a scope the IdP's metadata declares; others are dropped and logged.
 * Refused: an assertion left with no identifier because its identifiers carry another
 * organisation's scope (SAML_SCOPE_FOREIGN), or one that never had a usable identifier — a
 * transient NameID only (SAML_NO_SUBJECT).
 */
export function readReleased(assertion: ParsedAssertion, idp: Idp, entry: SamlEntry, log: Logger): Released {
  const values = readAttributes(assertion.attributes);
  const foreign: string[] = [];
  const scoped = (name: keyof AttributeValues, list: string[]) =>
    list.filter((v) => {
      if (inScope(v, idp.scopes)) return true;
      foreign.push(scopeOf(v));
      log.warn(
        { provider: entry.id, idp: idp.entityId, attribute: name, scope: scopeOf(v) },
        'SAML value with a scope the IdP does not declare: dropped',
      );
      return false;
    });
  const single = (name: 'subjectId' | 'pairwiseId'): string | null => {
    const list = values[name] ?? [];
    if (list.length !== 1 || !subjectIdSyntax.test(list[0]!)) return null;
    return scoped(name, list)[0]?.toLowerCase() ?? null;
  };

  const subjects: SamlSubject[] = [];
  const subjectId = single('subjectId');
  if (subjectId) subjects.push({ kind: 'subject-id', value: subjectId });
  const pairwiseId = single('pairwiseId');
  if (pairwiseId) subjects.push({ kind: 'pairwise-id', value: pairwiseId });
  if (assertion.nameId?.format === nameIdFormat.persistent)
    subjects.push({ kind: 'persistent', value: assertion.nameId.value });
  const eppn = scoped('eppn', values.eppn?.slice(0, 1) ?? [])[0] ?? null;
  if (eppn)
    subjects.push({ kind: 'eppn', value: `${eppn.slice(0, eppn.lastIndexOf('@'))}@${scopeOf(eppn).toLowerCase()}` });

  if (subjects.length === 0) {
    if (foreign.length)
      throw refuse(
        'SAML_SCOPE_FOREIGN',
        `The institution sent an identifier of another organisation (${foreign[0]}).`,
        idp.entityId,
        { scope: foreign[0] },
      );
    throw refuse(
      'SAML_NO_SUBJECT',
      'The institution did not release an identifier that stays the same from one sign-in to the next.',
      idp.entityId,
    );
  }
  const first = (list?: string[]) => list?.find((v) => v.length > 0) ?? null;
  const orcid = first(values.orcid)?.match(orcidUrl)?.[0] ?? null;
  return {
    subjects,
    emails: [...new Set(values.mail ?? [])],
    givenName: first(values.givenName),
    familyName: first(values.surname),
    displayName: first(values.displayName),
    eppn,
    affiliations: scoped('affiliation', values.affiliation ?? []),
    orcid,
  };
}

/** Whether the entry trusts this IdP's emails as verified (`trustEmail` and, for federations, `trustEmailFrom`). */
export function trustsEmailOf(entry: SamlEntry, idp: string): boolean {
  if (!entry.trustEmail) return false;
  if (entry.source.kind === 'idp') return entry.trustEmailFrom.length === 0 || entry.trustEmailFrom.includes(idp);
  return entry.trustEmailFrom.includes(idp);
}

/**
 * The identity's subject: unique per (entry, IdP, identifier) under the identity table's
 * unique (provider, subject), where provider is the entry's id. The entityID comes first and
 * holds no space (it is a URI), so the two parts split unambiguously. See docs/providers.md, SAML.
 */
export const identitySubject = (idp: string, s: SamlSubject) => `${idp} ${s.kind}:${s.value}`;

/**
 * The identity subjects of a sign-in's other identifiers, for an identity an earlier sign-in kept
 * under one of them (`ExternalProfile.formerSubjects`): an IdP that begins to release subject-id
 * still sends the persistent NameID its people were known by. Never eppn: an institution may give
 * it to someone else, whose new subject-id beside it would otherwise open the previous holder's account.
 */
export const formerSubjectsOf = (idp: string, subjects: SamlSubject[]): string[] =>
  subjects
    .slice(1)
    .filter((s) => s.kind !== 'eppn')
    .map((s) => identitySubject(idp, s));

export function splitIdentitySubject(subject: string): { idp: string; kind: string; value: string } | null {
  const space = subject.indexOf(' ');
  const colon = subject.indexOf(':', space);
  if (space <= 0 || colon < 0) return null;
  return { idp: subject.slice(0, space), kind: subject.slice(space + 1, colon), value: subject.slice(colon + 1) };
}
