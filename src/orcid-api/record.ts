import { type OrcidApi, OrcidApiError, type OrcidFailure, type RecordSummary } from './client.js';

/** The record summary as Lanyard shows it and hands it to repositories, with when it was read. */
export interface RecordRead {
  record: RecordSummary;
  /** When Lanyard read it from ORCID (a cached copy is at most `RECORD_TTL_MS` old). */
  readAt: Date;
}

/**
 * How long a record summary stays in this process's memory. Short, so a work a repository just
 * pushed shows within a minute on every process (the process that wrote it forgets its copy at once);
 * per process, because it only spares ORCID the same read for every page view and API call (a second
 * process reads for itself: nothing it needs lives here).
 */
export const RECORD_TTL_MS = 60_000;
const CACHE_MAX = 1000;

const cache = new Map<string, RecordRead>();

/** What one sees of a record depends on the token's scopes (`/read-limited`): part of the key. */
const keyOf = (api: OrcidApi) => `${api.orcid}\u0000${[...api.scopes].sort().join(' ')}`;

/** Drops every cached copy of `orcid`'s record (after a write to it, or when its token changed). */
export function forgetRecord(orcid: string): void {
  for (const key of cache.keys()) if (key.startsWith(`${orcid}\u0000`)) cache.delete(key);
}

/**
 * The researcher's record summary (works, employments, educations, fundings) through the v3.0 API,
 * from the cache when read less than `RECORD_TTL_MS` ago. Throws `OrcidApiError` as the client does;
 * failures are not cached, so ORCID back up is seen on the next view.
 */
export async function readRecordCached(api: OrcidApi, now: Date): Promise<RecordRead> {
  const key = keyOf(api);
  const hit = cache.get(key);
  const age = hit ? now.getTime() - hit.readAt.getTime() : Infinity;
  if (hit && age >= 0 && age < RECORD_TTL_MS) return hit;
  const read = { record: await api.readRecord(), readAt: now };
  cache.delete(key);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, read);
  return read;
}

/** For pages: the record, or why it could not be read (never thrown: ORCID down is not a 500). */
export async function tryReadRecord(
  api: OrcidApi,
  now: Date,
): Promise<{ ok: true; read: RecordRead } | { ok: false; failure: OrcidFailure }> {
  try {
    return { ok: true, read: await readRecordCached(api, now) };
  } catch (e) {
    if (e instanceof OrcidApiError) return { ok: false, failure: e.failure };
    throw e;
  }
}
