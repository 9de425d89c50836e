import { html, type HtmlValue, type SafeHtml } from '../../lib/html.js';
import type { NoticeKind } from '../flash.js';
import type { MessageKey, MessageParams, Translate } from '../../i18n/index.js';

/**
 * The recurring pieces of Lanyard's pages, so every page looks and behaves the same. Classes are
 * in views/stylesheet.ts; docs/pages.md shows when to use which.
 */

export type ButtonWeight = 'primary' | 'secondary' | 'danger' | 'link';

const weightClass = (w: ButtonWeight | undefined) => (w && w !== 'primary' ? w : '');

/** A submit button. Primary is the one thing the page is for; secondary for alternatives. */
export function button(
  label: HtmlValue,
  opts: { weight?: ButtonWeight; name?: string; value?: string; block?: boolean; ariaLabel?: string } = {},
): SafeHtml {
  const cls = [weightClass(opts.weight), opts.block ? 'block' : ''].filter(Boolean).join(' ');
  return html`<button
    type="submit"
    ${cls ? html` class="${cls}"` : ''}${opts.name ? html` name="${opts.name}"` : ''}${opts.value ? html` value="${opts.value}"` : ''}${opts.ariaLabel ? html` aria-label="${opts.ariaLabel}"` : ''}
  >
    ${label}
  </button>`;
}

/** A link that looks like a button (a navigation, never a state change). */
export function linkButton(
  href: string,
  label: HtmlValue,
  opts: { weight?: ButtonWeight; block?: boolean } = {},
): SafeHtml {
  const cls = ['button', weightClass(opts.weight), opts.block ? 'block' : ''].filter(Boolean).join(' ');
  return html`<a class="${cls}" href="${href}">${label}</a>`;
}

/** A one-button form that POSTs (sign out, create, remove): state changes never ride on a GET. */
export function postButton(
  action: string,
  csrf: SafeHtml,
  label: HtmlValue,
  opts: {
    weight?: ButtonWeight;
    block?: boolean;
    inline?: boolean;
    ariaLabel?: string;
    hidden?: Record<string, string>;
  } = {},
): SafeHtml {
  const hidden = Object.entries(opts.hidden ?? {}).map(
    ([n, v]) => html`<input type="hidden" name="${n}" value="${v}" />`,
  );
  return html`<form method="post" action="${action}" ${opts.inline ? html` class="inline"` : ''}>
    ${csrf}${hidden}${button(label, opts)}
  </form>`;
}

/**
 * A message about the page or the last action. Info and success are polite (`role="status"`),
 * warning and error interrupt (`role="alert"`). `code` carries a stable error code for scripts.
 */
export function notice(kind: NoticeKind, content: HtmlValue, opts: { code?: string } = {}): SafeHtml {
  const role = kind === 'info' || kind === 'success' ? 'status' : 'alert';
  const body = typeof content === 'string' ? html`<p>${content}</p>` : content;
  return html`<div
    class="notice notice-${kind}"
    role="${role}"
    ${opts.code ? html` data-error-code="${opts.code}"` : ''}
  >
    ${body}
  </div>`;
}

/** Label/value pairs (who a provider says you are, account details). Empty values are left out. */
export function facts(rows: [label: string, value: HtmlValue][]): SafeHtml {
  const shown = rows.filter(([, v]) => v !== null && v !== undefined && v !== '');
  return html`<dl class="facts">
    ${shown.map(
      ([label, value]) =>
        html`<dt>${label}</dt>
          <dd>${value}</dd>`,
    )}
  </dl>`;
}

/** A horizontal rule with a word in it ("or"). */
export const divider = (word: string): SafeHtml => html`<p class="divider">${word}</p>`;

export interface Choice {
  id: string;
  /** primary: the recommended way; secondary: real alternatives; quiet: the way out. */
  weight: 'primary' | 'secondary' | 'quiet';
  heading: string;
  body?: HtmlValue;
  /** The form or link that carries out the choice. */
  action: HtmlValue;
  attrs?: Record<string, string>;
}

/** The decision page's options, as cards of different weight, each a labelled region. */
export function choices(items: Choice[]): SafeHtml {
  return html`<div class="choices">
    ${items.map(
      (c) =>
        html`<section
          class="choice choice-${c.weight}"
          aria-labelledby="${c.id}"
          ${Object.entries(c.attrs ?? {}).map(([k, v]) => html` ${k}="${v}"`)}
        >
          <h2 id="${c.id}">${c.heading}</h2>
          ${typeof c.body === 'string' ? html`<p>${c.body}</p>` : c.body} ${c.action}
        </section>`,
    )}
  </div>`;
}

export interface ComparisonRow {
  /** Form field name; the chosen side is sent as `received` or `current`. */
  name: string;
  label: string;
  received: string | null;
  current: string | null;
}

/**
 * The review page's side-by-side comparison: one fieldset per field whose values differ, with the
 * two values as radio cards (current checked, so a careless submit changes nothing); fields that
 * agree or have one side empty are listed below as "unchanged".
 */
export function comparison(opts: {
  receivedHeading: string;
  currentHeading: string;
  sameHeading: string;
  empty: string;
  rows: ComparisonRow[];
}): SafeHtml {
  const differs = (r: ComparisonRow) => r.received !== null && r.current !== null && r.received !== r.current;
  const choose = opts.rows.filter(differs);
  const same = opts.rows.filter((r) => !differs(r));
  const option = (r: ComparisonRow, side: 'received' | 'current', heading: string, value: string | null) =>
    html`<label class="compare-option"
      ><input type="radio" name="${r.name}" value="${side}" ${side === 'current' ? html` checked` : ''} /><span
        ><small>${heading}</small>${value ?? opts.empty}</span
      ></label
    >`;
  return html`<div class="compare">
    ${
      choose.length
        ? html`<div class="compare-head" aria-hidden="true">
            <span>${opts.receivedHeading}</span><span>${opts.currentHeading}</span>
          </div>`
        : ''
    }
    ${choose.map(
      (r) =>
        html`<fieldset>
          <legend>${r.label}</legend>
          ${option(r, 'received', opts.receivedHeading, r.received)}
          ${option(r, 'current', opts.currentHeading, r.current)}
        </fieldset>`,
    )}
    ${
      same.length
        ? html`<h2>${opts.sameHeading}</h2>
            <dl class="compare-same">
              ${same.map(
                (r) =>
                  html`<dt>${r.label}</dt>
                    <dd>${r.current ?? r.received ?? opts.empty}</dd>`,
              )}
            </dl>`
        : ''
    }
  </div>`;
}

/**
 * Which repository a sign-in is for, as its registration names it (src/openid-provider/
 * interaction-client.ts), above the ways to sign in: the person sees where they will be sent
 * before they choose one. A client registered without a name is named by its client ID. `firstSignIn`
 * words it for the pages after the provider has answered (a first sign-in's decision and review).
 */
export function signingInFor(
  t: Translate,
  client: { clientId: string; name: string },
  step: 'login' | 'firstSignIn' = 'login',
): SafeHtml {
  // The sentence is translated around a marker, so the name can be set apart in either language.
  const mark = '\u0000';
  const [before, after] = (
    step === 'login'
      ? client.name
        ? t('login.forClient', { client: mark })
        : t('login.forUnnamedClient', { clientId: mark })
      : client.name
        ? t('external.forClient', { client: mark })
        : t('external.forUnnamedClient', { clientId: mark })
  ).split(mark);
  const name = client.name ? html`<strong>${client.name}</strong>` : html`<code>${client.clientId}</code>`;
  return html`<p class="lead for-client" data-client-id="${client.clientId}">${before}${name}${after ?? ''}</p>`;
}

/**
 * A translated sentence with some of its values set apart — in bold (the addresses a confirmation
 * is about) or as code (a URL, a command): translated around markers, so the words stay the
 * catalogue's in either language.
 */
export function sentence(
  t: Translate,
  key: MessageKey,
  params: Record<string, string>,
  marked: string[],
  as: 'strong' | 'code' = 'strong',
): SafeHtml {
  const withMarks: MessageParams = { ...params };
  marked.forEach((name, i) => (withMarks[name] = `\u0000${i}\u0000`));
  const parts = t(key, withMarks).split(/\u0000(\d+)\u0000/);
  return html`${parts.map((part, i) => {
    if (i % 2 === 0) return part;
    const value = params[marked[Number(part)]!] ?? '';
    return as === 'code' ? html`<code>${value}</code>` : html`<strong>${value}</strong>`;
  })}`;
}
