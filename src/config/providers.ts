import { LanyardError } from '../errors.js';
import type { OrcidEntry, ProviderEntry, ProviderEntryBase, ProviderLabel } from './schema.js';

/** What a type's reader gets besides the entry: where it is (for messages) and the shared fields. */
export interface EntryContext {
  /** `LANYARD_PROVIDERS entry 2 ("uni")`: names the entry in every message. */
  where: string;
  base: ProviderEntryBase;
  publicUrl: string;
  embedded: boolean;
  /** The data directory (embedded mode keeps generated keys there; `memory://`: nowhere). */
  dataDir: string;
  /** A CONFIG_INVALID error naming the entry, the key and the fix. */
  fix(key: string, problem: string, remedy: string): LanyardError;
}

/** Reads one entry of a type; `entry` holds only the type's own keys (the shared ones are in `ctx.base`). */
export type EntryReader = (entry: Record<string, unknown>, ctx: EntryContext) => ProviderEntry;

const sharedKeys = ['id', 'type', 'label', 'trustEmail', 'timeoutMs'];
const idPattern = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/** Keys already taken by other kinds of identity or by routes under /auth. */
const reservedIds = ['password'];

/**
 * The `providers` list (config file) or the same JSON in LANYARD_PROVIDERS. Each entry: `id`,
 * `type`, `label` (a string or `{ "en": …, "de": … }`), `trustEmail` (off unless the type says
 * otherwise), `timeoutMs`, and its type's own keys. The ORCID shorthand (LANYARD_ORCID_*) adds the
 * `orcid` entry first unless the list has one.
 */
export function readProviders(
  raw: unknown,
  opts: {
    shorthand: OrcidEntry | null;
    publicUrl: string;
    embedded: boolean;
    dataDir?: string;
    readers: Record<string, { read: EntryReader; trustEmail: boolean; label?: string }>;
  },
): ProviderEntry[] {
  const list = parseList(raw);
  const entries: ProviderEntry[] = [];
  list.forEach((value, index) => {
    const where = `LANYARD_PROVIDERS entry ${index + 1}`;
    const fail = (at: string, key: string, problem: string, remedy: string) =>
      new LanyardError('CONFIG_INVALID', `${at}: "${key}" ${problem}. Fix: ${remedy}.`, {
        key: 'LANYARD_PROVIDERS',
        entry: index + 1,
        field: key,
      });
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw fail(where, 'entry', 'is not a JSON object', 'write each provider as { "id": …, "type": … }');
    const entry = value as Record<string, unknown>;
    const id = entry.id;
    if (typeof id !== 'string' || !idPattern.test(id) || reservedIds.includes(id))
      throw fail(
        where,
        'id',
        `must be 1–40 lower-case letters, digits or dashes (not ${reservedIds.join(', ')}), got ${JSON.stringify(id)}`,
        'give the entry a short url-safe id such as "uni-example"; it becomes part of its URLs',
      );
    const at = `${where} ("${id}")`;
    // Identities keyed "orcid" are what the OpenID provider releases as the ORCID-authenticated iD.
    if (id === 'orcid' && entry.type !== 'orcid')
      throw fail(at, 'id', 'is reserved for the ORCID entry', 'give this entry another id, such as "uni-example"');
    if (entries.some((e) => e.id === id) || (opts.shorthand && id === opts.shorthand.id && !hasOrcidEntry(list)))
      throw fail(at, 'id', 'is used by another entry', 'give every entry its own id');
    const type = String(entry.type);
    const kind = opts.readers[type];
    if (!kind)
      throw fail(
        at,
        'type',
        `must be one of ${Object.keys(opts.readers).join(', ')}, got ${JSON.stringify(entry.type)}`,
        'pick one of those',
      );
    const base: ProviderEntryBase = {
      id,
      type,
      label: readLabel(entry.label, kind.label ?? id, (p, r) => fail(at, 'label', p, r)),
      trustEmail: readBool(entry.trustEmail, kind.trustEmail, (p, r) => fail(at, 'trustEmail', p, r)),
      timeoutMs: readTimeout(entry.timeoutMs, (p, r) => fail(at, 'timeoutMs', p, r)),
    };
    const own = Object.fromEntries(Object.entries(entry).filter(([k]) => !sharedKeys.includes(k)));
    entries.push(
      kind.read(own, {
        where: at,
        base,
        publicUrl: opts.publicUrl,
        embedded: opts.embedded,
        dataDir: opts.dataDir ?? 'memory://',
        fix: (key, problem, remedy) => fail(at, key, problem, remedy),
      }),
    );
  });
  if (opts.shorthand && !entries.some((e) => e.type === 'orcid')) entries.unshift(opts.shorthand);
  return entries;
}

const hasOrcidEntry = (list: unknown[]) =>
  list.some((e) => typeof e === 'object' && e !== null && (e as { type?: unknown }).type === 'orcid');

function parseList(raw: unknown): unknown[] {
  if (raw === undefined || raw === null || raw === '') return [];
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new LanyardError(
        'CONFIG_INVALID',
        `LANYARD_PROVIDERS is not valid JSON (${(e as Error).message}). Fix: write it as a JSON array of provider entries, e.g. [{"id":"uni","type":"oidc",…}].`,
        { key: 'LANYARD_PROVIDERS' },
      );
    }
  }
  if (!Array.isArray(value))
    throw new LanyardError(
      'CONFIG_INVALID',
      'LANYARD_PROVIDERS must be a JSON array. Fix: write it as [{"id":"uni","type":"oidc",…}].',
      { key: 'LANYARD_PROVIDERS' },
    );
  return value;
}

type Fail = (problem: string, remedy: string) => LanyardError;

function readLabel(value: unknown, dflt: string, fail: Fail): ProviderLabel {
  if (value === undefined) return { en: dflt };
  if (typeof value === 'string' && value.trim()) return { en: value.trim() };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { en, de, ...rest } = value as Record<string, unknown>;
    if (
      typeof en === 'string' &&
      en.trim() &&
      (de === undefined || typeof de === 'string') &&
      !Object.keys(rest).length
    )
      return { en: en.trim(), ...(typeof de === 'string' && de.trim() ? { de: de.trim() } : {}) };
  }
  throw fail(
    `must be a non-empty string or { "en": …, "de": … }, got ${JSON.stringify(value)}`,
    'name the provider as people know it, e.g. "University of Example"',
  );
}

function readBool(value: unknown, dflt: boolean, fail: Fail): boolean {
  if (value === undefined) return dflt;
  if (typeof value === 'boolean') return value;
  throw fail(`must be true or false, got ${JSON.stringify(value)}`, 'use true or false (without quotes)');
}

function readTimeout(value: unknown, fail: Fail): number {
  if (value === undefined) return 10_000;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 120_000) return value;
  throw fail(`must be a whole number of milliseconds from 100 to 120000, got ${JSON.stringify(value)}`, 'e.g. 10000');
}
