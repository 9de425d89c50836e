import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { migrateToLatest } from '../../src/db/migrate.js';
import { PGliteDialect } from '../../src/db/pglite-dialect.js';
import type { Database } from '../../src/db/schema.js';

const cacheDir = join('node_modules', '.cache', 'lanyard');
let image: Promise<Blob> | undefined;

/** What the image depends on: the migrations and the PGlite version. */
function fingerprint(): string {
  const hash = createHash('sha256');
  const dir = join('src', 'db', 'migrations');
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  hash.update(readFileSync(join('src', 'db', 'migrate.ts')));
  hash.update(readFileSync(join('node_modules', '@electric-sql', 'pglite', 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

async function build(): Promise<Blob> {
  const pglite = new PGlite();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  await migrateToLatest(db);
  const blob = await pglite.dumpDataDir('none');
  await db.destroy();
  return blob;
}

/**
 * A migrated, empty PGlite database as a data-directory image. Starting each test's database from
 * it skips initdb and the migrations (about 10 s of CPU each on this machine). Cached per process
 * and on disk, keyed by the migrations' sources, so a changed migration builds a new image.
 */
export function migratedPgliteImage(): Promise<Blob> {
  image ??= (async () => {
    const path = join(cacheDir, `pglite-${fingerprint()}.tar`);
    try {
      return new Blob([readFileSync(path)]);
    } catch {
      const blob = await build();
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
      renameSync(tmp, path); // atomic: parallel test processes never read half a file
      return blob;
    }
  })();
  return image;
}
