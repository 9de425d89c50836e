import type { IncomingHttpHeaders } from 'node:http';

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
