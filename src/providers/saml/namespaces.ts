/** XML namespaces of SAML 2.0 metadata and messages, and the extensions federations use. */
export const ns = {
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  shibmd: 'urn:mace:shibboleth:metadata:1.0',
  mdui: 'urn:oasis:names:tc:SAML:metadata:ui',
  mdattr: 'urn:oasis:names:tc:SAML:metadata:attribute',
  mdrpi: 'urn:oasis:names:tc:SAML:metadata:rpi',
} as const;

/** protocolSupportEnumeration value of a SAML 2.0 role. */
export const samlProtocol = 'urn:oasis:names:tc:SAML:2.0:protocol';

export const nameIdFormat = {
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
} as const;
