import type { OidcEntry } from '../../config/schema.js';
import { html } from '../../lib/html.js';
import { labelButtons, labelIn } from '../labels.js';
import type { ProviderView } from '../provider.js';

/** An institution's button names it; its identities show as "University of Example: subject". */
export function oidcView(entry: OidcEntry): ProviderView {
  return {
    ...labelButtons(entry.label),
    identity: (subject, _issuer, locale) =>
      html`<span class="provider-id">${labelIn(entry.label, locale)}: <code>${subject}</code></span>`,
    identifier: (subject) => `${subject} (${entry.issuer})`,
  };
}
