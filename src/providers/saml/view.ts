import { html } from '../../lib/html.js';
import { labelButtons, labelIn } from '../labels.js';
import type { ProviderView } from '../provider.js';
import type { SamlEntry } from './config.js';
import { discoveryScript } from './discovery-script.js';
import { splitIdentitySubject } from './subject.js';

/** Where the discovery page loads its type-ahead from. */
export const DISCOVERY_SCRIPT_PATH = '/assets/saml-discovery.js';

/** An institution's button names the entry; an identity shows as "University A: alice@uni-a.example". */
export function samlView(entry: SamlEntry): ProviderView {
  const shown = (subject: string) => splitIdentitySubject(subject)?.value ?? subject;
  return {
    ...labelButtons(entry.label),
    identity: (subject, issuer, locale) =>
      html`<span class="provider-id" title="${issuer ?? ''}">${labelIn(entry.label, locale)}: <code>${shown(subject)}</code></span>`,
    identifier: (subject, issuer) => `${shown(subject)} (${issuer ?? entry.id})`,
    // The discovery page's type-ahead, served while a saml entry is configured (every entry's page uses it).
    assets: [{ path: DISCOVERY_SCRIPT_PATH, type: 'text/javascript; charset=utf-8', body: discoveryScript }],
  };
}
