import { escapeHtml as x } from '../../lib/html.js';
import { attributes, requestedAttributes } from './attributes.js';
import type { SamlEntry } from './config.js';
import { wrappedCertificateBody } from './keys.js';
import { nameIdFormat, ns, samlProtocol } from './namespaces.js';

const keyDescriptor = (use: 'signing' | 'encryption', pem: string, methods: string[] = []) =>
  `    <md:KeyDescriptor use="${use}">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>${wrappedCertificateBody(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
${methods.map((m) => `      <md:EncryptionMethod Algorithm="${m}"/>\n`).join('')}    </md:KeyDescriptor>`;

/**
 * What IdPs may encrypt to us with: the algorithms Lanyard's decryption accepts, strongest first
 * (AES-GCM before CBC, RSA-OAEP for the key). Shibboleth IdPs pick from this list.
 */
const encryptionMethods = [
  'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc',
  'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
];

/**
 * The SP metadata an operator registers at the IdP or federation, served at /auth/{id}/metadata:
 * our entityID, a signing and an encryption certificate, the ACS (HTTP-POST), persistent NameIDs,
 * the attributes we ask for, and the entry's label as the name IdPs show on their consent page.
 */
export function spMetadataXml(entry: SamlEntry): string {
  const labels = entry.label ?? { en: entry.id };
  const names = Object.entries(labels)
    .filter(([, v]) => v)
    .map(([lang, v]) => `<mdui:DisplayName xml:lang="${x(lang)}">${x(v!)}</mdui:DisplayName>`)
    .join('');
  const requested = requestedAttributes
    .map((name) => {
      const a = attributes[name];
      return `      <md:RequestedAttribute FriendlyName="${a.friendly}" Name="${a.uri}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" isRequired="false"/>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="${ns.md}" xmlns:ds="${ns.ds}" xmlns:mdui="${ns.mdui}" entityID="${x(entry.spEntityId)}">
  <md:SPSSODescriptor protocolSupportEnumeration="${samlProtocol}" AuthnRequestsSigned="${entry.signAuthnRequests}" WantAssertionsSigned="${entry.wantAssertionsSigned}">
    <md:Extensions><mdui:UIInfo>${names}</mdui:UIInfo></md:Extensions>
${keyDescriptor('signing', entry.signing.certificate)}
${keyDescriptor('encryption', entry.encryption.certificate, encryptionMethods)}
    <md:NameIDFormat>${nameIdFormat.persistent}</md:NameIDFormat>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${x(entry.acsUrl)}" index="0" isDefault="true"/>
    <md:AttributeConsumingService index="0" isDefault="true">
      <md:ServiceName xml:lang="en">${x(labels.en)}</md:ServiceName>
${requested}
    </md:AttributeConsumingService>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}
