import type { IncomingHttpHeaders } from 'node:http';
import type { Released, SamlSubject } from '../saml/subject.js';

/**
 * The request headers a Shibboleth SP (Apache + mod_shib, `ShibUseHeaders On`) sets from the
 * attributes it decoded, named by the `id`s of its default attribute-map.xml. mod_shib has already
 * checked the assertion and, with the default attribute-policy.xml, the scopes against metadata.
 */
export interface HeaderNames {
  idp: string;
  subjectId: string;
  pairwiseId: string;
  persistentId: string;
  eppn: string;
  mail: string;
  givenName: string;
  surname: string;
  displayName: string;
  affiliation: string;
  orcid: string;
}

export const defaultHeaderNames: HeaderNames = {
  idp: 'Shib-Identity-Provider',
  subjectId: 'subject-id',
  pairwiseId: 'pairwise-id',
  persistentId: 'persistent-id',
  eppn: 'eppn',
  mail: 'mail',
  givenName: 'givenName',
  surname: 'sn',
  displayName: 'displayName',
  affiliation: 'affiliation',
  orcid: 'orcid',
};

/**
 * A header's values. mod_shib joins several values with `;` (a literal one escaped as `\;`) and
 * passes UTF-8 bytes, which Node reads as Latin-1: they are decoded again here.
 */
export function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const raw = headers[name.toLowerCase()];
  const value = Array.isArray(raw) ? raw.join(';') : raw;
  if (!value) return [];
  const text = Buffer.from(value, 'latin1').toString('utf8');
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === ';') {
      current += ';';
      i++;
    } else if (c === ';') {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out.map((v) => v.trim()).filter(Boolean);
}

const subjectIdSyntax = /^[0-9a-z][-=0-9a-z]{0,126}@[0-9a-z][-.0-9a-z]{0,126}$/i;
const orcidUrl = /^https:\/\/(sandbox\.)?orcid\.org\/\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/;

/**
 * What mod_shib passed on, in the shape the SAML provider produces. The persistent NameID comes
 * as `NameQualifier!SPNameQualifier!value` (mod_shib's encoding); one naming another IdP is ignored.
 */
export function releasedFromHeaders(
  headers: IncomingHttpHeaders,
  names: HeaderNames,
): { idp: string | null; released: Omit<Released, 'subjects'> & { subjects: SamlSubject[] } } {
  const one = (name: string) => headerValues(headers, name)[0] ?? null;
  const idp = one(names.idp);
  const subjects: SamlSubject[] = [];
  const single = (name: string) => {
    const values = headerValues(headers, name);
    return values.length === 1 && subjectIdSyntax.test(values[0]!) ? values[0]!.toLowerCase() : null;
  };
  const subjectId = single(names.subjectId);
  if (subjectId) subjects.push({ kind: 'subject-id', value: subjectId });
  const pairwiseId = single(names.pairwiseId);
  if (pairwiseId) subjects.push({ kind: 'pairwise-id', value: pairwiseId });
  const persistent = one(names.persistentId);
  if (persistent) {
    const parts = persistent.split('!');
    const value = parts.length === 3 ? parts[2]! : parts.length === 1 ? parts[0]! : '';
    if (value && (parts.length === 1 || !parts[0] || parts[0] === idp)) subjects.push({ kind: 'persistent', value });
  }
  const eppn = one(names.eppn);
  if (eppn && eppn.lastIndexOf('@') > 0)
    subjects.push({
      kind: 'eppn',
      value: `${eppn.slice(0, eppn.lastIndexOf('@'))}${eppn.slice(eppn.lastIndexOf('@')).toLowerCase()}`,
    });
  return {
    idp,
    released: {
      subjects,
      emails: [...new Set(headerValues(headers, names.mail))],
      givenName: one(names.givenName),
      familyName: one(names.surname),
      displayName: one(names.displayName),
      eppn,
      affiliations: headerValues(headers, names.affiliation),
      orcid: headerValues(headers, names.orcid).find((v) => orcidUrl.test(v)) ?? null,
    },
  };
}
