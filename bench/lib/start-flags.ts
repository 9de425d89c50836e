import { readFileSync } from 'node:fs';

/**
 * The Node options `npm start` runs Lanyard with (package.json's start script: `node [options]
 * dist/main.js`), so that the benchmark starts it alike.
 */
export function npmStartNodeArgs(): string[] {
  const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
  const words = scripts.start.trim().split(/\s+/);
  const entry = words.indexOf('dist/main.js');
  if (words[0] !== 'node' || entry < 0) throw new Error(`npm start is not "node … dist/main.js": ${scripts.start}`);
  return words.slice(1, entry);
}
