import { IntlMessageFormat } from 'intl-messageformat';
import { de } from './de.js';
import { en, type MessageKey, type Messages } from './en.js';

export const locales = ['en', 'de'] as const;
export type Locale = (typeof locales)[number];
export type { MessageKey };

export const catalogues: Record<Locale, Messages> = { en, de };

export type MessageParams = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: MessageParams) => string;

/**
 * Messages are ICU MessageFormat (plurals and selects: `{hours, plural, one {# hour} other {# hours}}`),
 * compiled once per locale and key. A message without placeholders is returned as written, so an
 * apostrophe in plain prose never needs ICU quoting.
 */
const compiled = new Map<string, IntlMessageFormat>();

function format(locale: Locale, key: MessageKey, params: MessageParams | undefined): string {
  const source = catalogues[locale][key] ?? en[key];
  // Unknown keys (a code with no sentence yet) come back as the key, so callers can fall back.
  if (source === undefined) return key;
  if (!source.includes('{')) return source;
  const id = `${locale}\u0000${key}`;
  let message = compiled.get(id);
  if (!message) compiled.set(id, (message = new IntlMessageFormat(source, locale, undefined, { ignoreTag: true })));
  try {
    return String(message.format(params ?? {}));
  } catch {
    // A placeholder the caller did not fill (an error page without its details) prints as empty
    // rather than failing the whole page.
    return String(message.format({ ...blanks(message.getAst() as unknown as AstNode[]), ...params }));
  }
}

interface AstNode {
  type: number;
  value?: unknown;
  options?: Record<string, { value: AstNode[] }>;
}

/** Every placeholder of a parsed message, set to '' (plural and number arguments to 0). */
function blanks(nodes: AstNode[], into: MessageParams = {}): MessageParams {
  for (const n of nodes) {
    // 1 argument, 2 number, 3 date, 4 time, 5 select, 6 plural (intl-messageformat's TYPE enum).
    if (n.type >= 1 && n.type <= 6 && typeof n.value === 'string')
      into[n.value] = n.type === 2 || n.type === 6 ? 0 : '';
    for (const option of Object.values(n.options ?? {})) blanks(option.value, into);
  }
  return into;
}

export function translator(locale: Locale): Translate {
  return (key, params) => format(locale, key, params);
}

/** Whether the catalogue has a sentence for this key (error codes without one get a generic sentence). */
export const hasMessage = (key: string): key is MessageKey => Object.hasOwn(en, key);

export const isLocale = (s: unknown): s is Locale =>
  typeof s === 'string' && (locales as readonly string[]).includes(s);

/** Picks the best of our locales from an Accept-Language header, honouring q-values. */
export function negotiateLocale(header: string | undefined): Locale {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { lang: (tag ?? '').toLowerCase().split('-')[0] ?? '', q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .sort((a, b) => b.q - a.q);
  return (ranked.find((r) => isLocale(r.lang) && r.q > 0)?.lang as Locale | undefined) ?? 'en';
}

/**
 * A name given in several languages (`{ en: …, "de-AT": … }`, as SAML metadata's xml:lang tags
 * them) in `locale`: its own tag, else a regional one of the same language; undefined when none.
 */
export function nameIn(names: Record<string, unknown>, locale: string): string | undefined {
  const exact = names[locale];
  if (typeof exact === 'string' && exact) return exact;
  const wanted = locale.toLowerCase();
  for (const [tag, name] of Object.entries(names))
    if (tag.toLowerCase().split('-')[0] === wanted && typeof name === 'string' && name) return name;
  return undefined;
}
