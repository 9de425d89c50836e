import { html } from '../../lib/html.js';
import { labelIn } from '../labels.js';
import type { ProviderView } from '../provider.js';
import type { SamlEntry } from './config.js';
import { splitIdentitySubject } from './subject.js';

/** An institution's button names the entry; an identity shows as "University A: alice@uni-a.example". */
export function samlView(entry: SamlEntry): ProviderView {
  const shown = (subject: string) => splitIdentitySubject(subject)?.value ?? subject;
  return {
    signInButton: (href, t, locale) =>
      html`<p>
        <a class="button provider-button" href="${href}">${t('login.provider', { provider: labelIn(entry.label, locale) })}</a>
      </p>`,
    linkButton: (t, locale) =>
      html`<button type="submit" class="secondary provider-button">
        ${t('profile.linkProvider', { provider: labelIn(entry.label, locale) })}
      </button>`,
    identity: (subject, issuer) =>
      html`<span class="provider-id" title="${issuer ?? ''}">${labelIn(entry.label, 'en')}: <code>${shown(subject)}</code></span>`,
    identifier: (subject, issuer) => `${shown(subject)} (${issuer ?? entry.id})`,
  };
}
