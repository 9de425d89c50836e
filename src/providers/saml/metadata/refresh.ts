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
        etag: force ? null : (current?.etag ?? null),
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
    if (!force && current?.digest === digest && current.imported_at) {
      await record({ checked_at: clock.now(), etag });
      return { outcome: 'unchanged' };
    }
    const now = clock.now();
    const { doc, idps } = await importMetadataFile(db, provider, entry.source, file, { now, workDir });
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
 * Refreshes every `refreshMinutes`, and at once when the entry has no copy yet or its copy is
 * older than that. Returns a stop function. Several processes may run it: the import lock and the
 * unchanged-digest check make the extra ones cheap.
 */
export function scheduleRefresh(deps: RefreshDeps, entry: SamlEntry): { stop(): void; first: Promise<unknown> } {
  const every = entry.refreshMinutes * 60_000;
  const run = () =>
    refreshMetadata(deps, entry).catch((e: unknown) =>
      deps.log.warn({ provider: entry.id, err: (e as Error).message }, 'SAML metadata refresh failed'),
    );
  const first = deps.db
    .selectFrom('saml_metadata')
    .select('checked_at')
    .where('provider', '=', entry.id)
    .executeTakeFirst()
    .then((row) => {
      const age = row?.checked_at ? deps.clock.now().getTime() - row.checked_at.getTime() : Infinity;
      return age >= every || entry.source.file ? run() : undefined;
    });
  const timer = setInterval(run, every);
  timer.unref();
  return { stop: () => clearInterval(timer), first };
}
