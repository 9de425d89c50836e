import { de } from './de.js';
import { en, type MessageKey, type Messages } from './en.js';

export const locales = ['en', 'de'] as const;
export type Locale = (typeof locales)[number];
export type { MessageKey };

const catalogues: Record<Locale, Messages> = { en, de };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const messages = catalogues[locale];
  return (key, params) => {
    const text = messages[key] ?? en[key];
    return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
  };
}

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
