import { execFile } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ns } from '../../src/providers/saml/namespaces.js';
import { xmlsec1Binary } from '../../src/providers/saml/metadata/verify.js';
import type { KeyPair } from '../../src/providers/saml/certificate.js';
import { testKeys } from './saml-idp.js';

/**
 * A federation aggregate like eduGAIN's or a national federation's: one signed EntitiesDescriptor
 * with thousands of IdPs and SPs, each with the extensions real ones carry (mdui names in several
 * languages, logos, scopes, domain hints, entity categories, contacts, two certificates). Real
 * IdPs started by a test are embedded as they publish themselves.
 */
export interface AggregateOptions {
  idps: number;
  sps?: number;
  /** EntityDescriptor elements to include verbatim (the metadata of running test IdPs). */
  entities?: string[];
  /** The root's validUntil (default: in 14 days); null leaves the attribute out. */
  validUntil?: Date | null;
  id?: string;
  /** Keep adding SPs until the file is at least this large (eduGAIN's aggregate is about 70 MB). */
  targetBytes?: number;
  /** mdui:Logo elements (default true); pictures leave them out, the page could not load them. */
  logos?: boolean;
}

const cities = ['Aachen', 'Bergen', 'Córdoba', 'Dún Laoghaire', 'Łódź', 'Göteborg', 'Zürich', 'Kraków', 'Trondheim'];
const kinds = [
  'University of {c}',
  'Universität {c}',
  '{c} Institute of Technology',
  'Hochschule {c}',
  'Université de {c}',
];

function certBody(index: number): string {
  return testKeys(index % 3)
    .certificate.replace(/-----[A-Z ]+-----/g, '')
    .replace(/\s+/g, '');
}

function idpEntity(n: number, logos = true): string {
  const city = `${cities[n % cities.length]} ${n}`;
  const name = kinds[n % kinds.length]!.replace('{c}', city);
  const scope = `uni${n}.example.org`;
  const base = `https://idp.${scope}`;
  const categories =
    n % 3 === 0 ? '<saml:AttributeValue>http://refeds.org/category/research-and-scholarship</saml:AttributeValue>' : '';
  const sirtfi = n % 2 === 0 ? '<saml:AttributeValue>https://refeds.org/sirtfi</saml:AttributeValue>' : '';
  const hidden =
    n % 997 === 5 ? '<saml:AttributeValue>http://refeds.org/category/hide-from-discovery</saml:AttributeValue>' : '';
  return `<md:EntityDescriptor entityID="${base}/idp/shibboleth">
<md:Extensions><mdrpi:RegistrationInfo registrationAuthority="https://federation.example.org" registrationInstant="2020-01-01T00:00:00Z"><mdrpi:RegistrationPolicy xml:lang="en">https://federation.example.org/policy</mdrpi:RegistrationPolicy></mdrpi:RegistrationInfo>
<mdattr:EntityAttributes><saml:Attribute Name="http://macedir.org/entity-category-support" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">${categories}</saml:Attribute><saml:Attribute Name="urn:oasis:names:tc:SAML:attribute:assurance-certification" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">${sirtfi}</saml:Attribute><saml:Attribute Name="http://macedir.org/entity-category" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">${hidden}</saml:Attribute></mdattr:EntityAttributes></md:Extensions>
<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:Extensions><shibmd:Scope regexp="false">${scope}</shibmd:Scope>
<mdui:UIInfo><mdui:DisplayName xml:lang="en">${name}</mdui:DisplayName><mdui:DisplayName xml:lang="de">${name.replace('University of', 'Universität')}</mdui:DisplayName>
<mdui:Description xml:lang="en">Identity provider of ${name} for staff and students, run by the central IT services.</mdui:Description>
<mdui:InformationURL xml:lang="en">${base}/about</mdui:InformationURL><mdui:PrivacyStatementURL xml:lang="en">${base}/privacy</mdui:PrivacyStatementURL>
${logos ? `<mdui:Logo height="60" width="80">${base}/logo.png</mdui:Logo>` : ''}</mdui:UIInfo>
<mdui:DiscoHints><mdui:DomainHint>${scope}</mdui:DomainHint></mdui:DiscoHints></md:Extensions>
<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(n)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(n + 1)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:ArtifactResolutionService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="${base}:8443/idp/profile/SAML2/SOAP/ArtifactResolution" index="1"/>
<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat><md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${base}/idp/profile/SAML2/POST/SSO"/>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${base}/idp/profile/SAML2/Redirect/SSO"/>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign" Location="${base}/idp/profile/SAML2/POST-SimpleSign/SSO"/>
</md:IDPSSODescriptor>
<md:Organization><md:OrganizationName xml:lang="en">${name}</md:OrganizationName><md:OrganizationDisplayName xml:lang="en">${name}</md:OrganizationDisplayName><md:OrganizationURL xml:lang="en">https://www.${scope}/</md:OrganizationURL></md:Organization>
<md:ContactPerson contactType="technical"><md:GivenName>IT</md:GivenName><md:SurName>Services</md:SurName><md:EmailAddress>mailto:it@${scope}</md:EmailAddress></md:ContactPerson>
<md:ContactPerson contactType="other" xmlns:remd="http://refeds.org/metadata" remd:contactType="http://refeds.org/metadata/contactType/security"><md:GivenName>Security</md:GivenName><md:EmailAddress>mailto:cert@${scope}</md:EmailAddress></md:ContactPerson>
</md:EntityDescriptor>
`;
}

function spEntity(n: number): string {
  const base = `https://sp${n}.service.example.net`;
  return `<md:EntityDescriptor entityID="${base}/shibboleth">
<md:Extensions><mdrpi:RegistrationInfo registrationAuthority="https://federation.example.org"/></md:Extensions>
<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:Extensions><mdui:UIInfo><mdui:DisplayName xml:lang="en">Research service ${n}</mdui:DisplayName><mdui:Description xml:lang="en">A research service.</mdui:Description></mdui:UIInfo></md:Extensions>
<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(n)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${base}/Shibboleth.sso/SAML2/POST" index="1"/>
</md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}

/** Writes an unsigned aggregate with a signature template at its root; returns how many IdPs it holds. */
export async function writeAggregate(file: string, opts: AggregateOptions): Promise<{ idps: number }> {
  const id = opts.id ?? `_agg${Date.now()}`;
  const until = opts.validUntil === undefined ? new Date(Date.now() + 14 * 86400_000) : opts.validUntil;
  const validUntil = until ? ` validUntil="${until.toISOString()}"` : '';
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`<?xml version="1.0" encoding="UTF-8"?>
<md:EntitiesDescriptor xmlns:md="${ns.md}" xmlns:ds="${ns.ds}" xmlns:saml="${ns.saml}" xmlns:shibmd="${ns.shibmd}" xmlns:mdui="${ns.mdui}" xmlns:mdattr="${ns.mdattr}" xmlns:mdrpi="${ns.mdrpi}" ID="${id}" Name="https://federation.example.org"${validUntil}>
${signatureTemplate(`#${id}`)}
`);
  for (const entity of opts.entities ?? []) await write(`${entity.replace(/<\?xml[^>]*\?>/, '')}\n`);
  const sps = opts.sps ?? 0;
  for (let i = 0; i < Math.max(opts.idps, sps); i++) {
    if (i < opts.idps) await write(idpEntity(i, opts.logos ?? true));
    if (i < sps) await write(spEntity(i));
  }
  for (let i = sps; opts.targetBytes && bytes < opts.targetBytes; i++) await write(spEntity(i));
  out.end('</md:EntitiesDescriptor>\n');
  await once(out, 'finish');
  return { idps: opts.idps + (opts.entities?.length ?? 0) };
}

export function signatureTemplate(uri: string): string {
  return `<ds:Signature xmlns:ds="${ns.ds}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="${uri}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data></ds:X509Data></ds:KeyInfo></ds:Signature>`;
}

/**
 * Signs every signature template in `input` with xmlsec1 (as a federation operator does), writing
 * `output`. `idElements` names the elements whose ID attribute references point at.
 */
export async function signWithXmlsec1(
  input: string,
  output: string,
  keys: KeyPair,
  idElements: string[] = [`${ns.md}:EntitiesDescriptor`, `${ns.md}:EntityDescriptor`],
): Promise<void> {
  const dir = tmpdir();
  const keyFile = join(dir, `lanyard-fed-${process.pid}-${Date.now()}.key`);
  const certFile = `${keyFile}.crt`;
  writeFileSync(keyFile, keys.privateKey, { mode: 0o600 });
  writeFileSync(certFile, keys.certificate);
  await promisify(execFile)(
    xmlsec1Binary(),
    [
      '--sign',
      '--pkcs8-pem',
      `${keyFile},${certFile}`,
      ...idElements.flatMap((e) => ['--id-attr:ID', e]),
      '--output',
      output,
      input,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
}
