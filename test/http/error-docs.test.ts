import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorCodes } from '../../src/errors.js';

test('docs/errors.md documents every error code once, with the status src/errors.ts gives it', () => {
  const rows = new Map(
    [...readFileSync('docs/errors.md', 'utf8').matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map(
      ([, code, status, meaning]) => [code!, { status: Number(status), meaning: meaning! }],
    ),
  );
  assert.deepEqual([...rows.keys()].sort(), Object.keys(errorCodes).sort());
  for (const [code, status] of Object.entries(errorCodes)) {
    assert.equal(rows.get(code)?.status, status, `${code}: docs say ${rows.get(code)?.status}, code says ${status}`);
    assert.ok(rows.get(code)!.meaning.length > 20, `${code} has no real explanation`);
  }
});
