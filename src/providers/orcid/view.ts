import { html } from '../../lib/html.js';
import type { ProviderView } from '../provider.js';
import { orcidIconAsset } from './icon.js';

/**
 * ORCID's display guidelines: the iD icon and the full https://orcid.org/… link, for authenticated
 * iDs only; the sign-in button carries the iD icon.
 */
export function orcidView(siteUrl: string, demo: boolean): ProviderView {
  const idUrl = (orcid: string) => `${siteUrl}/${orcid}`;
  return {
    signInButton: (href, t, _locale, signedIn) =>
      html`<p>
          <a class="button provider-button" href="${href}"
            ><img src="/assets/orcid-id.svg" alt="" width="24" height="24" />${t('login.orcid')}</a
          >
        </p>
        <p class="hint">${t(signedIn ? 'login.orcidHintAgain' : 'login.orcidHint')}${demo ? html` <strong>${t('orcid.demoLabel')}</strong>` : ''}</p>`,
    linkButton: (t) =>
      html`<button type="submit" class="secondary provider-button">
        <img src="/assets/orcid-id.svg" alt="" width="24" height="24" />${t('profile.linkOrcid')}
      </button>`,
    identity: (orcid) => {
      const url = idUrl(orcid);
      return html`<span class="identity-badge"
        ><img src="/assets/orcid-id.svg" alt="ORCID iD" width="16" height="16" /><a href="${url}" rel="noopener"
          >${url}</a
        ></span
      >`;
    },
    identifier: (orcid) => idUrl(orcid),
    assets: [orcidIconAsset],
  };
}
