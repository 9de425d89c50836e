// Who is reading a record and what they may see, plus the small value shapes every v3.0 part
// shares (docs/design.md, ORCID §2.1-§2.3).
import type { Visibility } from '../types.js';

export interface Viewer {
  /** A member-API token with `/read-limited` for this very record sees `limited` items too. */
  limited: boolean;
  /** The emulator's base URL, standing in for `https://orcid.org` in every URI. */
  baseUrl: string;
  /** `new URL(baseUrl).host`, computed once rather than per request. */
  host: string;
  /** The reading client: it sees the items it added whatever their visibility. Null when anonymous. */
  clientId: string | null;
  /** A client's display name, for `source-name`. */
  clientName(clientId: string): string;
}

/**
 * Public API and public tokens see only `public`; a `/read-limited` member token also sees
 * `limited` (and its older name `registered-only`, the same "trusted parties" level); `private`
 * is never served (orcid-model `Visibility.java`; https://info.orcid.org/ufaqs/what-are-the-api-limits).
 */
export function canSee(viewer: Viewer, visibility: Visibility): boolean {
  if (visibility === 'public') return true;
  return viewer.limited && (visibility === 'limited' || visibility === 'registered-only');
}

/** v3.0 dates are `{"value": <epoch ms>}`. */
export const dateValue = (ms: number | null) => (ms === null ? null : { value: ms });

/** `{uri, path, host}` as in `orcid-identifier` and `source-orcid`. */
export function orcidIdentifier(viewer: Viewer, orcid: string) {
  return { uri: `${viewer.baseUrl}/${orcid}`, path: orcid, host: viewer.host };
}

/** The newest of some dates, or null for none, as containers report `last-modified-date`. */
export function latest(dates: number[]) {
  return dates.length === 0 ? null : dateValue(Math.max(...dates));
}
