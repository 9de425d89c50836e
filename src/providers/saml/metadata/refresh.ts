import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../../clock.js';
import type { Db } from '../../../db/connect.js';
import type { SamlEntry } from '../config.js';
import { digestFile, downloadMetadata } from './fetch.js';
import { ImportBusy, importMetadataFile } from './import.js';

export interface RefreshDeps {
  db: Db;
  clock: Clock;
  log: Logger;
}

export type RefreshResult =
  | { outcome: 'imported'; idps: number; validUntil: Date | null; seconds: number }
  | { outcome: 'unchanged' }
  | { outcome: 'busy' }
  | { outcome: 'failed'; error: string; kept: number };

/** Where an entry's metadata comes from, in words (logs, `saml status`). */
export const sourceOf = (entry: SamlEntry) => entry.source.url ?? entry.source.file!;

/**
 * Fetches an entry's metadata and imports it when it changed. Whatever fails — the download, the
 * signature, the parse, an expired validUntil — leaves the last good copy in use and is recorded
 * (saml_metadata.last_error) and logged; the next scheduled refresh tries again.
 */
export async function refreshMetadata(deps: RefreshDeps, entry: SamlEntry, force = false): Promise<RefreshResult> {
  const { db, clock, log } = deps;
  const provider = entry.id;
  const started = Date.now();
  const current = await db.selectFrom('saml_metadata').selectAll().where('provider', '=', provider).executeTakeFirst();
  // A federation's copy imported without validUntil (before the entry required one) is never taken
  // as unchanged: each refresh loads the document again, imports a current one or says why not.
  const timeless =
    entry.source.kind === 'federation' && entry.requireValidUntil && !!current?.imported_at && !current.valid_until;
  const again = force || timeless;
  const workDir = mkdtempSync(join(tmpdir(), 'lanyard-metadata-'));
  const record = (values: Record<string, unknown>) =>
    db
      .insertInto('saml_metadata')
      .values({ provider, source: sourceOf(entry), ...values })
      .onConflict((oc) => oc.column('provider').doUpdateSet({ source: sourceOf(entry), ...values }))
      .execute();
  try {
    let file: string;
    let digest: string;
    let etag: string | null = null;
    if (entry.source.url) {
      const download = await downloadMetadata(entry.source.url, {
        workDir,
        maxBytes: entry.maxMetadataBytes,
        timeoutMs: Math.max(entry.timeoutMs, 300_000),
        etag: again ? null : (current?.etag ?? null),
      });
      if (download.status === 'not-modified') {
        await record({ checked_at: clock.now() });
        return { outcome: 'unchanged' };
      }
      ({ file, digest, etag } = download);
    } else {
      file = entry.source.file!;
      ({ digest } = await digestFile(file));
    }
    if (!again && current?.digest === digest && current.imported_at) {
      await record({ checked_at: clock.now(), etag });
      return { outcome: 'unchanged' };
    }
    const now = clock.now();
    const { doc, idps } = await importMetadataFile(db, provider, entry.source, file, {
      now,
      workDir,
      requireValidUntil: entry.requireValidUntil,
    });
    // Thousands of rows replaced at once: fresh statistics, so the search plans for what is there.
    await sql`analyze saml_idp`.execute(db);
    await record({
      digest,
      etag,
      valid_until: doc.validUntil,
      idp_count: idps,
      imported_at: now,
      checked_at: now,
      last_error: null,
      last_error_at: null,
    });
    const seconds = (Date.now() - started) / 1000;
    log.info({ provider, idps, seconds, source: sourceOf(entry) }, 'SAML metadata imported');
    return { outcome: 'imported', idps, validUntil: doc.validUntil, seconds };
  } catch (e) {
    if (e instanceof ImportBusy) return { outcome: 'busy' };
    const error = (e as Error).message;
    await record({ last_error: error.slice(0, 1000), last_error_at: clock.now() }).catch(() => {});
    const kept = current?.idp_count ?? 0;
    log.warn(
      { provider, error, kept, source: sourceOf(entry) },
      'SAML metadata refresh failed; keeping the last good copy',
    );
    return { outcome: 'failed', error, kept };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Claims the entry's scheduled refresh when it is due (its metadata last checked `refreshMinutes`
 * ago or more, or never): one conditional write, so of several processes whose schedules fall due
 * together exactly one downloads and imports; the others see the fresh `checked_at` and wait for
 * the next round. (The import's advisory lock guards `saml refresh` and first use as well.)
 */
export async function claimRefresh(deps: RefreshDeps, entry: SamlEntry): Promise<boolean> {
  const now = deps.clock.now();
  const due = new Date(now.getTime() - entry.refreshMinutes * 60_000);
  const row = await deps.db
    .insertInto('saml_metadata')
    .values({ provider: entry.id, source: sourceOf(entry), checked_at: now })
    .onConflict((oc) =>
      oc
        .column('provider')
        .doUpdateSet({ checked_at: now })
        .where((eb) => eb.or([eb('saml_metadata.checked_at', 'is', null), eb('saml_metadata.checked_at', '<=', due)])),
    )
    .returning('provider')
    .executeTakeFirst();
  return row !== undefined;
}

export interface RefreshSchedule {
  /** The check at start-up: the refresh's result, or null when the copy was fresh (or another process claimed it). */
  first: Promise<RefreshResult | null>;
  /** Stops the timer and waits for a refresh under way to finish. */
  stop(): Promise<void>;
}

/**
 * Refreshes the entry's metadata when it falls due: checks at once (an entry with no copy, or an
 * old one, is refreshed at start-up) and then every `tickMs` (a minute; at most `refreshMinutes`),
 * so a process that was down catches up. `refresh` is the provider's own (it shares one refresh
 * with the import on first use).
 */
export function scheduleRefresh(
  deps: RefreshDeps,
  entry: SamlEntry,
  opts: { tickMs?: number; refresh?: () => Promise<RefreshResult> } = {},
): RefreshSchedule {
  const tickMs = opts.tickMs ?? Math.min(60_000, entry.refreshMinutes * 60_000);
  const refresh = opts.refresh ?? (() => refreshMetadata(deps, entry));
  let running: Promise<RefreshResult | null> | null = null;
  let stopped = false;
  const tick = (): Promise<RefreshResult | null> => {
    if (stopped) return Promise.resolve(null);
    running ??= claimRefresh(deps, entry)
      .then((claimed) => (claimed && !stopped ? refresh() : null))
      .catch((e: unknown) => {
        deps.log.warn({ provider: entry.id, err: (e as Error).message }, 'SAML metadata refresh failed');
        return null;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const first = tick();
  const timer = setInterval(() => void tick(), tickMs);
  timer.unref();
  return {
    first,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
