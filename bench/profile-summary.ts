// `npx tsx bench/profile-summary.ts LANYARD.cpuprofile [RESULTS.json PHASE-KEY]` — where Lanyard's
// CPU went: self time by function and by package, and inclusive time of Lanyard's own functions.
// With a results file and a phase key (returning, private, password, token) only the samples
// taken during that timed phase count (both use CLOCK_MONOTONIC µs).
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, resultsFile, phaseKey] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts FILE.cpuprofile [RESULTS.json PHASE-KEY]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
let windows = [{ startUs: -Infinity, endUs: Infinity }];
if (resultsFile && phaseKey) {
  const run = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
    phases: { key: string; windows: { startUs: number; endUs: number }[] }[];
  };
  const phase = run.phases.find((p) => p.key === phaseKey);
  if (!phase) throw new Error(`no phase ${phaseKey} in ${resultsFile}`);
  windows = phase.windows;
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const root = process.cwd();
const where = (url: string) => url.replace(/^file:\/\//, '').replace(`${root}/`, '');
/** A function's place: `src/…`, a package under node_modules, `node:…`, or V8's own entries. */
function packageOf(n: Node): string {
  const url = where(n.callFrame.url);
  if (!url) return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url.split('/')[0]!.replace(/^node:internal.*/, 'node (internal)');
  if (url.startsWith('src/') || url.startsWith('dist/')) return url.split('/').slice(0, 2).join('/');
  return url;
}
const nameOf = (n: Node) =>
  `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const self = new Map<string, number>();
const pkgSelf = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i]!;
  if (!windows.some((w) => t >= w.startUs && t <= w.endUs)) continue;
  const dt = profile.timeDeltas[i + 1] ?? 0; // a sample stands for the time until the next one
  const node = byId.get(profile.samples[i]!)!;
  if (node.callFrame.functionName === '(idle)') continue;
  total += dt;
  self.set(nameOf(node), (self.get(nameOf(node)) ?? 0) + dt);
  pkgSelf.set(packageOf(node), (pkgSelf.get(packageOf(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const n = byId.get(id)!;
    if (!/^(src|dist)\//.test(where(n.callFrame.url))) continue;
    const key = nameOf(n);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
  }
}

const pct = (v: number) => `${((v / total) * 100).toFixed(1).padStart(5)}%`;
const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
console.log(
  `${(total / 1e6).toFixed(2)} s of CPU (not idle) in ${phaseKey ? `phase ${phaseKey}` : 'the whole profile'}\n`,
);
console.log('Self time by package:');
for (const [k, v] of top(pkgSelf, 15)) console.log(`  ${pct(v)}  ${k}`);
console.log('\nSelf time by function:');
for (const [k, v] of top(self, 25)) console.log(`  ${pct(v)}  ${k}`);
console.log("\nInclusive time of Lanyard's own functions:");
for (const [k, v] of top(inclusive, 25)) console.log(`  ${pct(v)}  ${k}`);
