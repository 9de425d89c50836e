import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntryContext, EntryReader } from '../../config/providers.js';
import type { LanyardError } from '../../errors.js';
import { isLoopback } from '../../lib/loopback.js';
import { generateKeyPair } from './certificate.js';
import { checkPair, type KeyPairPem, KeyProblem, readPem } from './keys.js';

/** Where an entry's IdPs come from: one IdP's metadata, or a federation's signed aggregate. */
export type MetadataSource =
  | { kind: 'idp'; url: string | null; file: string | null; certificate: string | null }
  | { kind: 'federation'; url: string | null; file: string | null; certificate: string };

/** The keys every provider entry has (mirrors the provider seam's ProviderEntry). */
export interface CommonEntry {
  id: string;
  type: string;
  label: { en: string; de?: string };
  trustEmail: boolean;
  timeoutMs: number;
}

/** What a `saml` entry reads from the configuration (the seam's EntryReader). */
export interface Reader {
  has(key: string): boolean;
  str(key: string, dflt: string): string;
  optional(key: string): string | null;
  int(key: string, dflt: number, min: number, max: number): number;
  bool(key: string, dflt: boolean): boolean;
  list(key: string, sep?: string | RegExp): string[];
  url(key: string, opts?: { anyHttp?: boolean }): string | null;
  fail(key: string, problem: string, fix: string): LanyardError;
}

export type NameIdRequest = 'auto' | 'persistent' | 'none';

/** A `saml` provider entry, validated. */
export interface SamlEntry extends CommonEntry {
  type: 'saml';
  source: MetadataSource;
  /** Our entityID; by default the metadata URL, as Shibboleth SPs do. */
  spEntityId: string;
  metadataUrl: string;
  acsUrl: string;
  /** Signs AuthnRequests when asked to; published in the metadata. */
  signing: KeyPairPem;
  /** IdPs encrypt assertions to it (Shibboleth IdPs do by default). */
  encryption: KeyPairPem;
  /** With trustEmail: the IdPs (entityIDs) whose released emails count as verified. */
  trustEmailFrom: string[];
  allowIdpInitiated: boolean;
  clockSkewSeconds: number;
  refreshMinutes: number;
  /** How long a person may take at the IdP before the AuthnRequest is forgotten. */
  requestTtlSeconds: number;
  wantAssertionsSigned: boolean;
  /** Accept RSA-SHA1 signatures and SHA-1 digests from this entry's IdPs (refused by default). */
  allowSha1Signatures: boolean;
  signAuthnRequests: boolean;
  nameIdFormat: NameIdRequest;
  maxMetadataBytes: number;
  /**
   * A federation's aggregate must say until when it vouches for its IdPs (validUntil): without one,
   * a copy replayed or kept from an unreachable server would be trusted for ever. Off only for a
   * federation that publishes none; one IdP's own metadata needs none either way.
   */
  requireValidUntil: boolean;
}

export const samlKeys = [
  'idpMetadataUrl',
  'idpMetadataFile',
  'idpMetadataCert',
  'federationMetadataUrl',
  'federationMetadataFile',
  'federationCert',
  'spEntityId',
  'signingKey',
  'signingCert',
  'encryptionKey',
  'encryptionCert',
  'trustEmailFrom',
  'allowIdpInitiated',
  'clockSkewSeconds',
  'refreshMinutes',
  'requestTtlSeconds',
  'wantAssertionsSigned',
  'allowSha1Signatures',
  'signAuthnRequests',
  'nameIdFormat',
  'maxMetadataMegabytes',
  'requireValidUntil',
] as const;

export const keygenCommand = 'npx lanyard saml keygen';

export interface ParseContext {
  publicUrl: string;
  embedded: boolean;
  /** Embedded mode keeps generated SP keys here (`memory://`: not kept). */
  dataDir: string;
}

export function parseSamlEntry(common: CommonEntry, r: Reader, ctx: ParseContext): SamlEntry {
  const base = `${ctx.publicUrl}/auth/${common.id}`;
  const source = readSource(r);
  const trustEmailFrom = r.list('trustEmailFrom');
  if (common.trustEmail && source.kind === 'federation' && trustEmailFrom.length === 0)
    throw r.fail(
      'trustEmail',
      'is on for a federation, where most IdPs do not verify the addresses they release',
      'list the IdPs whose emails you trust in "trustEmailFrom" (their entityIDs), or set trustEmail to false',
    );
  const nameIdFormat = r.str('nameIdFormat', 'auto');
  if (!['auto', 'persistent', 'none'].includes(nameIdFormat))
    throw r.fail('nameIdFormat', `must be auto, persistent or none, got "${nameIdFormat}"`, 'leave it out (auto)');
  return {
    ...common,
    type: 'saml',
    source,
    spEntityId: r.str('spEntityId', `${base}/metadata`),
    metadataUrl: `${base}/metadata`,
    acsUrl: `${base}/acs`,
    signing: readPair(r, 'signingKey', 'signingCert') ?? defaultPair(r, ctx, common.id, 'signing'),
    encryption: readPair(r, 'encryptionKey', 'encryptionCert') ?? defaultPair(r, ctx, common.id, 'encryption'),
    trustEmailFrom,
    allowIdpInitiated: r.bool('allowIdpInitiated', false),
    clockSkewSeconds: r.int('clockSkewSeconds', 180, 0, 900),
    refreshMinutes: r.int('refreshMinutes', 240, 5, 7 * 24 * 60),
    requestTtlSeconds: r.int('requestTtlSeconds', 1800, 60, 86400),
    wantAssertionsSigned: r.bool('wantAssertionsSigned', false),
    allowSha1Signatures: r.bool('allowSha1Signatures', false),
    signAuthnRequests: r.bool('signAuthnRequests', false),
    nameIdFormat: nameIdFormat as NameIdRequest,
    maxMetadataBytes: r.int('maxMetadataMegabytes', 200, 1, 2000) * 1024 * 1024,
    requireValidUntil: r.bool('requireValidUntil', true),
  };
}

function readSource(r: Reader): MetadataSource {
  const given = ['idpMetadataUrl', 'idpMetadataFile', 'federationMetadataUrl', 'federationMetadataFile'].filter((k) =>
    r.has(k),
  );
  if (given.length !== 1)
    throw r.fail(
      given[1] ?? 'idpMetadataUrl',
      given.length ? `cannot be combined with ${given[0]}` : 'is missing: the entry names no IdP',
      'give exactly one of idpMetadataUrl, idpMetadataFile (one IdP) or federationMetadataUrl, federationMetadataFile (a federation, with federationCert)',
    );
  if (given[0]!.startsWith('idp')) {
    return {
      kind: 'idp',
      url: r.url('idpMetadataUrl'),
      file: r.optional('idpMetadataFile'),
      certificate: readCert(r, 'idpMetadataCert'),
    };
  }
  const certificate = readCert(r, 'federationCert');
  if (!certificate)
    throw r.fail(
      'federationCert',
      'is missing: a federation aggregate is trusted only through its signature',
      "set it to the federation's metadata signing certificate (PEM, or the path of its file), as the federation publishes it",
    );
  return {
    kind: 'federation',
    url: r.url('federationMetadataUrl'),
    file: r.optional('federationMetadataFile'),
    certificate,
  };
}

function readCert(r: Reader, key: string): string | null {
  const v = r.optional(key);
  if (!v) return null;
  try {
    return readPem(v, 'certificate');
  } catch (e) {
    if (e instanceof KeyProblem) throw r.fail(key, e.message, 'give the PEM certificate or the path of its file');
    throw e;
  }
}

function readPair(r: Reader, keyName: string, certName: string): KeyPairPem | null {
  const key = r.optional(keyName);
  const cert = r.optional(certName);
  if (!key && !cert) return null;
  if (!key || !cert)
    throw r.fail(
      key ? certName : keyName,
      `is missing (${key ? keyName : certName} is set)`,
      `set both, or run \`${keygenCommand}\` to make a new pair`,
    );
  try {
    const pair = { privateKey: readPem(key, 'private key'), certificate: readPem(cert, 'certificate') };
    checkPair(pair);
    return pair;
  } catch (e) {
    if (e instanceof KeyProblem)
      throw r.fail(keyName, e.message, `point it at a PEM file, or run \`${keygenCommand}\` to make a new pair`);
    throw e;
  }
}

/**
 * No key configured: in embedded (demo) mode one is made and kept in the data directory, as the
 * secret key is; with PostgreSQL (production) the operator makes them, so every process has the same.
 */
function defaultPair(r: Reader, ctx: ParseContext, id: string, use: 'signing' | 'encryption'): KeyPairPem {
  if (!ctx.embedded)
    throw r.fail(
      `${use}Key`,
      `and ${use}Cert are missing`,
      `run \`${keygenCommand}\` and set ${use}Key and ${use}Cert to the files it writes`,
    );
  if (ctx.dataDir === 'memory://') return generatedPair(id, use);
  const dir = join(ctx.dataDir, 'saml');
  const keyFile = join(dir, `${id}-${use}.key`);
  const certFile = join(dir, `${id}-${use}.crt`);
  if (!existsSync(keyFile)) {
    const pair = generatedPair(id, use);
    mkdirSync(dir, { recursive: true });
    writeFileSync(keyFile, pair.privateKey, { mode: 0o600 });
    writeFileSync(certFile, pair.certificate);
  }
  return { privateKey: readFileSync(keyFile, 'utf8'), certificate: readFileSync(certFile, 'utf8') };
}

const generatedPair = (id: string, use: string): KeyPairPem => {
  const { privateKey, certificate } = generateKeyPair({ commonName: `lanyard ${id} ${use}` });
  return { privateKey, certificate };
};

/**
 * Reads a `saml` entry of the providers list (the seam's EntryReader): every refusal names the
 * entry, the key and the fix; a missing SP key names `npx lanyard saml keygen`.
 */
export const readSamlEntry: EntryReader = (entry, ctx) => {
  const unknown = Object.keys(entry).find((k) => !(samlKeys as readonly string[]).includes(k));
  if (unknown) throw ctx.fix(unknown, 'is not a SAML setting', `use only ${samlKeys.join(', ')} and the shared keys`);
  return parseSamlEntry({ ...ctx.base, type: 'saml' }, entryReader(entry, ctx), {
    publicUrl: ctx.publicUrl,
    embedded: ctx.embedded,
    dataDir: ctx.dataDir,
  });
};

function entryReader(entry: Record<string, unknown>, ctx: EntryContext): Reader {
  const given = (key: string) => entry[key] !== undefined && entry[key] !== null && entry[key] !== '';
  const text = (key: string): string | null => {
    if (!given(key)) return null;
    const v = entry[key];
    if (typeof v !== 'string')
      throw ctx.fix(key, `must be a string, got ${JSON.stringify(v)}`, 'put the value in quotes');
    return v.trim();
  };
  return {
    has: given,
    str: (key, dflt) => text(key) ?? dflt,
    optional: text,
    int(key, dflt, min, max) {
      if (!given(key)) return dflt;
      const v = typeof entry[key] === 'string' ? Number(entry[key]) : entry[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
        throw ctx.fix(
          key,
          `must be a whole number from ${min} to ${max}, got ${JSON.stringify(entry[key])}`,
          `e.g. ${dflt}`,
        );
      return v;
    },
    bool(key, dflt) {
      if (!given(key)) return dflt;
      if (typeof entry[key] === 'boolean') return entry[key];
      throw ctx.fix(
        key,
        `must be true or false, got ${JSON.stringify(entry[key])}`,
        'use true or false (without quotes)',
      );
    },
    list(key) {
      if (!given(key)) return [];
      const v = entry[key];
      const items = typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v;
      if (!Array.isArray(items) || items.some((i) => typeof i !== 'string' || !i.trim()))
        throw ctx.fix(
          key,
          `must be a list of strings, got ${JSON.stringify(v)}`,
          'e.g. ["https://idp.uni.example/idp/shibboleth"]',
        );
      return (items as string[]).map((i) => i.trim());
    },
    url(key) {
      const v = text(key);
      if (v === null) return null;
      let url: URL;
      try {
        url = new URL(v);
      } catch {
        throw ctx.fix(key, `must be a URL, got ${JSON.stringify(v)}`, 'give the full https URL of the metadata');
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
        throw ctx.fix(
          key,
          `must use https (plain http only on loopback), got "${url.href}"`,
          'use the https URL of the metadata',
        );
      return url.href;
    },
    fail: (key, problem, fix) => ctx.fix(key, problem, fix),
  };
}
