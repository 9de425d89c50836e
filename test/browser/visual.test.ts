import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { captureScreenshots } from '../../scripts/screenshot-tour.js';
import { axeViolations, chromiumSkipReason } from '../support/chromium.js';

const COMMITTED = 'docs/screenshots';
const reason = chromiumSkipReason();
if (reason) console.log(`# visual diff skipped: ${reason}`);

/**
 * Compares two PNGs pixel by pixel (pixelmatch: anti-aliasing ignored, colour distance over 0.1
 * counts). Returns the differing pixel count, or null when the sizes differ; writes a diff picture.
 */
function differingPixels(committed: string, fresh: string, diffPath: string): number | null {
  const a = PNG.sync.read(readFileSync(committed));
  const b = PNG.sync.read(readFileSync(fresh));
  if (a.width !== b.width || a.height !== b.height) return null;
  const diff = new PNG({ width: a.width, height: a.height });
  const count = pixelmatch(a.data, b.data, diff.data, a.width, a.height, { threshold: 0.1 });
  if (count > 0) writeFileSync(diffPath, PNG.sync.write(diff));
  return count;
}

/**
 * The README's demo walked in one browser context per language (every case, top to bottom), each
 * page pictured and compared with docs/screenshots/: a page that changed without its picture being
 * renewed fails here. After an intended change: `npm run screenshots`, look at them, commit.
 * axe-core runs on every page of the tour as it is pictured: a page no walk reaches is still
 * checked for accessibility (any violation, whatever its impact, fails).
 */
describe('every page looks as its committed screenshot', { skip: reason || false }, () => {
  test('the README tour in EN and DE matches docs/screenshots/ pixel for pixel', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lanyard-visual-'));
    const inaccessible: string[] = [];
    await captureScreenshots(out, async (page, name, lang) => {
      for (const v of await axeViolations(page))
        inaccessible.push(`${name}.${lang}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.join(', ')}`);
    });
    const fresh = readdirSync(out).filter((f) => f.endsWith('.png'));
    const committed = readdirSync(COMMITTED).filter((f) => f.endsWith('.png'));
    const problems: string[] = [];
    for (const name of committed)
      if (!fresh.includes(name)) problems.push(`${name}: the tour no longer reaches this page`);
    for (const name of fresh) {
      if (!committed.includes(name)) {
        problems.push(`${name}: a new page without a committed screenshot`);
        continue;
      }
      const diffPath = join(out, name.replace(/\.png$/, '.diff.png'));
      const count = differingPixels(join(COMMITTED, name), join(out, name), diffPath);
      if (count === null) problems.push(`${name}: the page changed size (new picture: ${join(out, name)})`);
      else if (count > 0) problems.push(`${name}: ${count} pixels differ (diff: ${diffPath})`);
    }
    assert.deepEqual(inaccessible, [], 'axe found problems on pages of the tour');
    assert.deepEqual(
      problems,
      [],
      'pages changed: if intended, run `npm run screenshots`, look at the pictures and commit docs/screenshots/',
    );
  });
});
