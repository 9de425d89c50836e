// The emulator escapes with Lanyard's own escaper (one implementation of HTML escaping).
import { escapeHtml as escapeText } from '../../../lib/html.js';

/** Escapes text for element content and double- or single-quoted attribute values. */
export const escapeHtml = (value: unknown): string => escapeText(String(value));
