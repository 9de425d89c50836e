import { SaxesParser, type SaxesTagNS } from 'saxes';
import { ns, samlProtocol } from '../namespaces.js';

/** What Lanyard keeps of one identity provider from SAML metadata. */
export interface IdpRecord {
  entityId: string;
  /** Display names by language (mdui:DisplayName, else OrganizationDisplayName); '' = no language. */
  names: Record<string, string>;
  logo: string | null;
  /** shibmd:Scope values the IdP may assert in scoped attributes (eppn, affiliation, subject-id). */
  scopes: { value: string; regexp: boolean }[];
  /** mdui:DomainHint values (searched on the discovery page). */
  domains: string[];
  ssoRedirect: string | null;
  ssoPost: string | null;
  /** Signing certificates, base64 DER as in ds:X509Certificate. */
  signingCerts: string[];
  nameIdFormats: string[];
  /** Entity categories, category support and assurance certifications (REFEDS R&S, SIRTFI…). */
  categories: string[];
  registrationAuthority: string | null;
  /**
   * Until when the metadata vouches for the IdP: the earliest validUntil of its EntityDescriptor and
   * of every EntitiesDescriptor around it; null when none says. Past it, the IdP signs no one in.
   */
  validUntil?: Date | null;
}

/** Facts about the document as a whole, for the signature and freshness checks. */
export interface MetadataDocument {
  rootName: 'EntitiesDescriptor' | 'EntityDescriptor';
  rootId: string | null;
  /** The root's validUntil, and the earliest one of any EntitiesDescriptor above an entity. */
  validUntil: Date | null;
  /** URIs of the references of every ds:Signature that is a direct child of the root. */
  rootSignatureReferences: string[][];
  /** Another element carries the root's ID (a signature-wrapping attempt). */
  rootIdRepeated: boolean;
  entities: number;
  idps: number;
  /** IdPs skipped because their own validUntil (or an enclosing one) has passed. */
  expired: number;
}

const HIDE_FROM_DISCOVERY = 'http://refeds.org/category/hide-from-discovery';
const categoryAttributes = new Set([
  'http://macedir.org/entity-category',
  'http://macedir.org/entity-category-support',
  'urn:oasis:names:tc:SAML:attribute:assurance-certification',
]);
const MAX_DATA_LOGO = 16 * 1024;

interface Frame {
  uri: string;
  local: string;
  validUntil: number;
}

/**
 * Stream-parses SAML metadata (an aggregate of thousands of entities, or one EntityDescriptor)
 * without building a DOM: memory stays at one entity, whatever the file size. Each IdP that
 * speaks SAML 2.0 is handed to `onIdp` as soon as its EntityDescriptor closes. DTDs are refused.
 */
export class MetadataParser {
  private readonly parser = new SaxesParser({ xmlns: true });
  private readonly stack: Frame[] = [];
  private readonly doc: MetadataDocument = {
    rootName: 'EntityDescriptor',
    rootId: null,
    validUntil: null,
    rootSignatureReferences: [],
    rootIdRepeated: false,
    entities: 0,
    idps: 0,
    expired: 0,
  };
  private entity: (IdpRecord & { isIdp: boolean; orgNames: Record<string, string> }) | null = null;
  private inIdpRole = false;
  private keyUse: string | null = null;
  private attributeName: string | null = null;
  private text: { into: (value: string) => void; value: string } | null = null;
  private rootSignatureDepth = -1;

  constructor(
    private readonly onIdp: (idp: IdpRecord) => void,
    private readonly now: Date,
  ) {
    this.parser.on('doctype', () => {
      throw new Error('metadata must not contain a DOCTYPE');
    });
    this.parser.on('opentag', (tag) => this.open(tag));
    this.parser.on('closetag', (tag) => this.close(tag));
    this.parser.on('text', (t) => {
      if (this.text) this.text.value += t;
    });
    this.parser.on('cdata', (t) => {
      if (this.text) this.text.value += t;
    });
  }

  write(chunk: string): void {
    this.parser.write(chunk);
  }

  end(): MetadataDocument {
    this.parser.close();
    if (this.stack.length !== 0) throw new Error('metadata ended early');
    return this.doc;
  }

  private open(tag: SaxesTagNS): void {
    const attr = (name: string) => tag.attributes[name]?.value;
    const depth = this.stack.length;
    const parentValid = depth ? this.stack[depth - 1]!.validUntil : Infinity;
    const until = attr('validUntil') ? Date.parse(attr('validUntil')!) : Infinity;
    this.stack.push({ uri: tag.uri, local: tag.local, validUntil: Math.min(parentValid, until) });

    if (depth === 0) {
      if (tag.uri !== ns.md || (tag.local !== 'EntitiesDescriptor' && tag.local !== 'EntityDescriptor'))
        throw new Error(`not SAML metadata: the root element is ${tag.name}`);
      this.doc.rootName = tag.local;
      this.doc.rootId = attr('ID') ?? null;
      this.doc.validUntil = Number.isFinite(until) ? new Date(until) : null;
    } else if (this.doc.rootId !== null && attr('ID') === this.doc.rootId) {
      this.doc.rootIdRepeated = true;
    }

    if (tag.uri === ns.ds && tag.local === 'Signature' && depth === 1) {
      this.doc.rootSignatureReferences.push([]);
      this.rootSignatureDepth = depth;
    }
    if (this.rootSignatureDepth >= 0 && tag.uri === ns.ds && tag.local === 'Reference') {
      this.doc.rootSignatureReferences.at(-1)!.push(attr('URI') ?? '');
    }

    if (tag.uri === ns.md && tag.local === 'EntityDescriptor') {
      this.doc.entities++;
      this.entity = {
        entityId: (attr('entityID') ?? '').trim(),
        names: {},
        orgNames: {},
        logo: null,
        scopes: [],
        domains: [],
        ssoRedirect: null,
        ssoPost: null,
        signingCerts: [],
        nameIdFormats: [],
        categories: [],
        registrationAuthority: null,
        isIdp: false,
      };
      return;
    }
    const e = this.entity;
    if (!e) return;
    const lang = attr('xml:lang') ?? '';
    switch (`${tag.uri} ${tag.local}`) {
      case `${ns.md} IDPSSODescriptor`:
        this.inIdpRole = (attr('protocolSupportEnumeration') ?? '').split(/\s+/).includes(samlProtocol);
        e.isIdp ||= this.inIdpRole;
        return;
      case `${ns.mdrpi} RegistrationInfo`:
        e.registrationAuthority = attr('registrationAuthority') ?? null;
        return;
      case `${ns.saml} Attribute`:
        this.attributeName = this.inside(ns.mdattr, 'EntityAttributes') ? (attr('Name') ?? null) : null;
        return;
      case `${ns.saml} AttributeValue`:
        if (this.attributeName && categoryAttributes.has(this.attributeName)) this.capture((v) => e.categories.push(v));
        return;
      case `${ns.md} OrganizationDisplayName`:
        this.capture((v) => (e.orgNames[lang] ??= v));
        return;
    }
    if (!this.inIdpRole) return;
    switch (`${tag.uri} ${tag.local}`) {
      case `${ns.shibmd} Scope`: {
        const regexp = attr('regexp') === 'true' || attr('regexp') === '1';
        this.capture((v) => e.scopes.push({ value: v, regexp }));
        return;
      }
      case `${ns.mdui} DisplayName`:
        this.capture((v) => (e.names[lang] ??= v));
        return;
      case `${ns.mdui} DomainHint`:
        this.capture((v) => e.domains.push(v.toLowerCase()));
        return;
      case `${ns.mdui} Logo`:
        this.capture((v) => {
          const https = v.startsWith('https://');
          const smallData = v.startsWith('data:image/') && v.length <= MAX_DATA_LOGO;
          if ((https && !e.logo?.startsWith('https://')) || (smallData && !e.logo)) e.logo = v;
        });
        return;
      case `${ns.md} KeyDescriptor`:
        this.keyUse = attr('use') ?? 'both';
        return;
      case `${ns.ds} X509Certificate`:
        if (this.keyUse === 'signing' || this.keyUse === 'both')
          this.capture((v) => e.signingCerts.push(v.replace(/\s+/g, '')));
        return;
      case `${ns.md} NameIDFormat`:
        this.capture((v) => e.nameIdFormats.push(v));
        return;
      case `${ns.md} SingleSignOnService`: {
        const location = attr('Location') ?? null;
        if (attr('Binding') === 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect') e.ssoRedirect ??= location;
        if (attr('Binding') === 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST') e.ssoPost ??= location;
        return;
      }
    }
  }

  private close(tag: SaxesTagNS): void {
    const frame = this.stack.pop()!;
    if (this.text) {
      const { into, value } = this.text;
      this.text = null;
      const trimmed = value.trim();
      if (trimmed) into(trimmed);
    }
    if (tag.uri === ns.ds && tag.local === 'Signature' && this.stack.length === this.rootSignatureDepth)
      this.rootSignatureDepth = -1;
    if (tag.uri === ns.md && tag.local === 'IDPSSODescriptor') this.inIdpRole = false;
    if (tag.uri === ns.md && tag.local === 'KeyDescriptor') this.keyUse = null;
    if (tag.uri === ns.saml && tag.local === 'Attribute') this.attributeName = null;
    if (tag.uri === ns.md && tag.local === 'EntityDescriptor' && this.entity) {
      const { isIdp, orgNames, ...idp } = this.entity;
      this.entity = null;
      if (!isIdp || !idp.entityId) return;
      if (frame.validUntil <= this.now.getTime()) {
        this.doc.expired++;
        return;
      }
      if (Object.keys(idp.names).length === 0) idp.names = orgNames;
      this.doc.idps++;
      this.onIdp({
        ...idp,
        categories: [...new Set(idp.categories)],
        validUntil: Number.isFinite(frame.validUntil) ? new Date(frame.validUntil) : null,
      });
    }
  }

  private capture(into: (value: string) => void): void {
    this.text = { into, value: '' };
  }

  private inside(uri: string, local: string): boolean {
    return this.stack.some((f) => f.uri === uri && f.local === local);
  }
}

/** True when the IdP asked not to be listed on discovery pages (REFEDS hide-from-discovery). */
export const hiddenFromDiscovery = (idp: Pick<IdpRecord, 'categories'>) => idp.categories.includes(HIDE_FROM_DISCOVERY);
