import type { MessageKey, Translate } from '../../i18n/index.js';
import { html, type HtmlValue, type SafeHtml } from '../../lib/html.js';
import { notice } from './components.js';

export interface FieldOptions {
  name: string;
  label: string;
  type?: 'email' | 'password' | 'text';
  value?: string | null;
  autocomplete?: string;
  hint?: string;
  required?: boolean;
  error?: string | undefined;
}

/** A labelled input with its hint and error wired to aria-describedby (WCAG 1.3.1, 3.3.1). */
export function field(f: FieldOptions): SafeHtml {
  const id = `f-${f.name}`;
  const described = [f.hint ? `${id}-hint` : '', f.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<label for="${id}">${f.label}</label>
    ${f.hint ? html`<p class="hint" id="${id}-hint">${f.hint}</p>` : ''}
    ${f.error ? html`<p class="field-error" id="${id}-error">${f.error}</p>` : ''}
    <input
      id="${id}"
      name="${f.name}"
      type="${f.type ?? 'text'}"
      ${f.value ? html` value="${f.value}"` : ''}${f.autocomplete ? html` autocomplete="${f.autocomplete}"` : ''}${f.required === false ? '' : html` required`}${f.error ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}
    />`;
}

/** A form-level error, announced to screen readers, carrying its stable code for tests and scripts. */
export function formError(t: Translate, code: string | undefined, message?: string): SafeHtml {
  if (!code) return html``;
  const text = message ?? t(`error.${code}` as MessageKey);
  return notice('error', text, { code });
}

/**
 * The explicit "this identity is mine" a mailed link asks of the mailbox owner before it links or
 * creates anything (docs/security.md). Required by the browser and checked again by the server.
 */
export function confirmBox(label: HtmlValue): SafeHtml {
  return html`<p class="confirm">
    <input id="f-confirm" name="confirm" type="checkbox" value="yes" required /><label for="f-confirm"
      >${label}</label
    >
  </p>`;
}
