// `npm run screenshots`: starts Lanyard in demo mode on a fresh embedded database, walks every page
// in Debian's Chromium (the README's cases) in English and German, and writes one PNG per page and
// language to docs/screenshots/ (`<page>.<lang>.png`). test/browser/visual.test.ts fails when a page
// no longer looks like its committed picture: run this after an intended change and commit them.
// Usage: tsx scripts/screenshots.ts [outDir]
import { mkdirSync } from 'node:fs';
import { captureScreenshots } from './screenshot-tour.js';

const OUT = process.argv[2] ?? 'docs/screenshots';
mkdirSync(OUT, { recursive: true });
await captureScreenshots(OUT);
