import type { ProviderLabel } from '../config/schema.js';
import type { Locale } from '../i18n/index.js';
import { html } from '../lib/html.js';
import type { ProviderView } from './provider.js';

/** A configured label in the given language, else in English. */
export function labelIn(label: ProviderLabel, locale: Locale): string {
  return label[locale] ?? label.en;
}

/** The sign-in and link buttons of a provider shown by its configured label (an institution's IdP). */
export function labelButtons(label: ProviderLabel): Pick<ProviderView, 'signInButton' | 'linkButton'> {
  return {
    signInButton: (href, t, locale) =>
      html`<p>
        <a class="button provider-button" href="${href}">${t('login.provider', { provider: labelIn(label, locale) })}</a>
      </p>`,
    linkButton: (t, locale) =>
      html`<button type="submit" class="secondary provider-button">
        ${t('profile.linkProvider', { provider: labelIn(label, locale) })}
      </button>`,
  };
}
