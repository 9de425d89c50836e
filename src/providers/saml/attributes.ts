/**
 * The attributes Lanyard reads, by the names IdPs send them under: SAML 2.0 URIs (urn:oid:… as
 * Shibboleth and the REFEDS/eduPerson specs name them, the OASIS subject identifiers) and the
 * friendly names some IdPs use instead. Every other attribute is ignored.
 */
export const attributes = {
  subjectId: { uri: 'urn:oasis:names:tc:SAML:attribute:subject-id', friendly: 'subject-id', scoped: true },
  pairwiseId: { uri: 'urn:oasis:names:tc:SAML:attribute:pairwise-id', friendly: 'pairwise-id', scoped: true },
  eppn: { uri: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.6', friendly: 'eduPersonPrincipalName', scoped: true },
  affiliation: { uri: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.9', friendly: 'eduPersonScopedAffiliation', scoped: true },
  orcid: { uri: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.16', friendly: 'eduPersonOrcid', scoped: false },
  mail: { uri: 'urn:oid:0.9.2342.19200300.100.1.3', friendly: 'mail', scoped: false },
  givenName: { uri: 'urn:oid:2.5.4.42', friendly: 'givenName', scoped: false },
  surname: { uri: 'urn:oid:2.5.4.4', friendly: 'sn', scoped: false },
  displayName: { uri: 'urn:oid:2.16.840.1.113730.3.1.241', friendly: 'displayName', scoped: false },
} as const;

export type AttributeName = keyof typeof attributes;

const byName = new Map<string, AttributeName>(
  Object.entries(attributes).flatMap(([key, a]) => [
    [a.uri, key as AttributeName],
    [a.friendly, key as AttributeName],
  ]),
);

export type AttributeValues = Partial<Record<AttributeName, string[]>>;

/**
 * Gathers the values of the attributes Lanyard knows from SAML attribute statements, given as
 * (name, values) pairs. Values that are not plain text (an XML element) are ignored.
 */
export function readAttributes(pairs: Iterable<[name: string, values: unknown[]]>): AttributeValues {
  const out: AttributeValues = {};
  for (const [name, values] of pairs) {
    const key = byName.get(name);
    if (!key) continue;
    const strings = values.filter((v): v is string => typeof v === 'string').map((v) => v.trim());
    (out[key] ??= []).push(...strings.filter(Boolean));
  }
  return out;
}

/** The attributes an SP asks for in its metadata (RequestedAttribute), in this order. */
export const requestedAttributes: AttributeName[] = [
  'subjectId',
  'pairwiseId',
  'eppn',
  'mail',
  'givenName',
  'surname',
  'displayName',
  'affiliation',
  'orcid',
];
