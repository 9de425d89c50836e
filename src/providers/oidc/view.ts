import type { OidcEntry } from '../../config/schema.js';
import { html } from '../../lib/html.js';
import { labelIn } from '../labels.js';
import type { ProviderView } from '../provider.js';

/** An institution's button names it; its identities show as "University of Example: subject". */
export function oidcView(entry: OidcEntry): ProviderView {
  return {
    signInButton: (href, t, locale) =>
      html`<p>
        <a class="button provider-button" href="${href}">${t('login.provider', { provider: labelIn(entry.label, locale) })}</a>
      </p>`,
    linkButton: (t, locale) =>
      html`<button type="submit" class="secondary provider-button">
        ${t('profile.linkProvider', { provider: labelIn(entry.label, locale) })}
      </button>`,
    identity: (subject) =>
      html`<span class="provider-id">${labelIn(entry.label, 'en')}: <code>${subject}</code></span>`,
    identifier: (subject) => `${subject} (${entry.issuer})`,
  };
}
