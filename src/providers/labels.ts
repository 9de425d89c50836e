import type { ProviderLabel } from '../config/schema.js';
import type { Locale } from '../i18n/index.js';

/** A configured label in the given language, else in English. */
export function labelIn(label: ProviderLabel, locale: Locale): string {
  return label[locale] ?? label.en;
}
