// A simplified XML rendering of a v3.0 JSON body, served when the client did not ask for JSON.
// It is not ORCID's namespaced XML byte for byte; its job is to show a client that forgot
// `Accept: application/json` the same surprise the real API gives it (docs/design.md, ORCID §2.1).
import { escapeHtml } from '../lib/html.js';

// Members ORCID's XSDs make attributes (orcid-model v3 `Email.java` and siblings).
const ATTRIBUTES = new Set(['path', 'visibility', 'put-code', 'verified', 'primary', 'display-index']);

function element(name: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((item) => element(name, item)).join('');
  if (typeof value !== 'object') return `<${name}>${escapeHtml(value)}</${name}>`;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]![0] === 'value') return element(name, entries[0]![1]);
  const attributes = entries
    .filter(([key, v]) => ATTRIBUTES.has(key) && v !== null && typeof v !== 'object')
    .map(([key, v]) => ` ${key}="${escapeHtml(v)}"`)
    .join('');
  const children = entries
    .filter(([key]) => !ATTRIBUTES.has(key))
    .map(([key, v]) => element(key, v))
    .join('');
  return `<${name}${attributes}>${children}</${name}>`;
}

/** `body` as XML under `root`, in the ORCID namespace of that part, e.g. `email` for `/email`. */
export function toXml(root: string, namespace: string, body: unknown): string {
  const xml = element(root, body);
  const open = `<${root}`;
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${open} xmlns="http://www.orcid.org/ns/${namespace}"${xml.slice(open.length)}`;
}
