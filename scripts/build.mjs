#!/usr/bin/env node
// `npm start`'s build step: transpiles src/ to dist/ with esbuild (about a second; the type check
// is `npm run typecheck`, part of `npm test`), and only when a source changed since the last build:
// a fingerprint of every source's path, size and mtime is kept in dist/.build-stamp.
// Usage: node scripts/build.mjs [--force] [--outdir DIR] (DIR inside the repository, so that the
// output finds node_modules; default dist)
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const SRC = 'src';
const outdirAt = process.argv.indexOf('--outdir');
const OUT = outdirAt > 0 ? process.argv[outdirAt + 1] : 'dist';
if (!OUT || OUT.startsWith('-')) throw new Error('--outdir needs a directory');
const STAMP = join(OUT, '.build-stamp');

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? walk(path) : [path];
  });
}

const sources = walk(SRC)
  .filter((f) => (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.endsWith('.json'))
  .sort();
const fingerprint = createHash('sha256');
for (const f of [...sources, 'package-lock.json', 'scripts/build.mjs']) {
  const s = statSync(f);
  fingerprint.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
}
const stamp = fingerprint.digest('hex');

if (!process.argv.includes('--force') && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stamp) {
  process.exit(0);
}

const started = performance.now();
rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: sources.filter((f) => f.endsWith('.ts')),
  outdir: OUT,
  outbase: SRC,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  sourcemap: true,
  logLevel: 'warning',
});
for (const json of sources.filter((f) => f.endsWith('.json'))) {
  const target = join(OUT, relative(SRC, json));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(json, target);
}
writeFileSync(STAMP, stamp);
process.stdout.write(`built ${OUT}/ from ${sources.length} sources in ${Math.round(performance.now() - started)} ms\n`);
