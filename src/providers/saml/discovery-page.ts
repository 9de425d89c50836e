import type { Locale, Translate } from '../../i18n/index.js';
import { html, type SafeHtml } from '../../lib/html.js';
import { idpName, type IdpListing } from './catalogue.js';
import { DISCOVERY_SCRIPT_PATH } from './view.js';

/** How many institutions one page (or one type-ahead answer) lists. */
export const DISCOVERY_LIMIT = 50;

export interface DiscoveryView {
  /** The entry's name ("eduGAIN", "DFN-AAI"). */
  federation: string;
  /** Where choosing an IdP leads (with `idp` and `flow`). */
  startPath: string;
  /** Where the search form goes (its type-ahead asks `{searchPath}/idps`). */
  searchPath: string;
  /** The signed flow every link and the search form carry (src/providers/saml/flow-param.ts). */
  flow: string;
  query: string;
  /** How many IdPs the entry has; 0 while the first import runs. */
  total: number;
  /** Matches for the query (or all, for a short list); null when there is nothing to list yet. */
  results: { idps: IdpListing[]; total: number } | null;
  recent: IdpListing[];
}

/** Where choosing an IdP leads: the start path with the IdP and the carried flow. */
export const idpHref = (startPath: string, entityId: string, flow: string) =>
  `${startPath}?idp=${encodeURIComponent(entityId)}&flow=${encodeURIComponent(flow)}`;

/** One institution as the list shows it (the type-ahead script builds the same markup). */
export function idpItem(idp: IdpListing, href: string, locale: Locale): SafeHtml {
  const domain = idp.domains[0] ?? hostOf(idp.entityId);
  return html`<li>
    <a class="idp" href="${href}"
      >${idp.logo ? html`<img src="${idp.logo}" alt="" width="32" height="32" loading="lazy" />` : ''}<span
        class="idp-name"
        >${idpName(idp, locale)}</span
      >${domain ? html` <span class="idp-domain">${domain}</span>` : ''}</a
    >
  </li>`;
}

/**
 * The discovery page: institutions used before on this device first, then a search over names,
 * domains and scopes. A plain GET form and server-rendered results, so it works without
 * JavaScript; /assets/saml-discovery.js turns the same form into a type-ahead.
 */
export function discoveryMain(view: DiscoveryView, t: Translate, locale: Locale): SafeHtml {
  const href = (idp: IdpListing) => idpHref(view.startPath, idp.entityId, view.flow);
  const results = view.results;
  const status =
    view.total === 0
      ? t('saml.discovery.loading')
      : !results
        ? t('saml.discovery.typeToSearch', { count: view.total })
        : !view.query
          ? ''
          : results.total === 0
            ? t('saml.discovery.none', { q: view.query })
            : results.total === 1
              ? t('saml.discovery.one', { q: view.query })
              : t('saml.discovery.many', { count: results.total, q: view.query });
  return html`<p>${t('saml.discovery.intro', { federation: view.federation })}</p>
    ${
      view.recent.length
        ? html`<section aria-labelledby="idp-recent">
          <h2 id="idp-recent">${t('saml.discovery.recent')}</h2>
          <ul class="idp-list">
            ${view.recent.map((idp) => idpItem(idp, href(idp), locale))}
          </ul>
        </section>`
        : ''
    }
    <form method="get" action="${view.searchPath}" role="search" class="idp-search" data-idp-search>
      <input type="hidden" name="flow" value="${view.flow}" />
      <label for="idp-q">${t('saml.discovery.search')}</label>
      <p class="hint" id="idp-q-hint">${t('saml.discovery.searchHint')}</p>
      <input
        type="search"
        id="idp-q"
        name="q"
        value="${view.query}"
        maxlength="200"
        autocomplete="off"
        spellcheck="false"
        aria-describedby="idp-q-hint"
        aria-controls="idp-results"
      />
      <button type="submit">${t('saml.discovery.submit')}</button>
    </form>
    <p id="idp-status" role="status" aria-live="polite">${status}</p>
    <ul id="idp-results" class="idp-list" aria-label="${t('saml.discovery.results')}">
      ${results?.idps.map((idp) => idpItem(idp, href(idp), locale)) ?? ''}
    </ul>
    ${
      results && results.total > results.idps.length
        ? html`<p class="hint" id="idp-more">${t('saml.discovery.more', { shown: results.idps.length })}</p>`
        : ''
    }
    <script src="${DISCOVERY_SCRIPT_PATH}" defer></script>`;
}

function hostOf(entityId: string): string {
  try {
    return new URL(entityId).hostname;
  } catch {
    return '';
  }
}
