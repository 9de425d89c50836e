import { createContext, Script } from 'node:vm';
import type { IdpRecord } from './metadata/parse.js';

/** A DNS name has at most 253 characters; a longer scope is none. */
const MAX_SCOPE_LENGTH = 253;

/**
 * Whether a scoped value (`alice@uni-a.example`) carries a scope the IdP declares in its
 * metadata (shibmd:Scope): literally, ignoring ASCII case, or matching a `regexp="true"` scope in full.
 * The value is one `value@scope`: white space or a second '@' in it is refused.
 * An IdP may vouch only for its own people: `eppn` of another university is not its to assert.
 */
export function inScope(value: string, scopes: IdpRecord['scopes']): boolean {
  // One value, one scope: `faculty@uni-b.example member@uni-a.example` is not University A's to
  // assert because its last scope is, and split at its space it would be two values (a claim of
  // scoped affiliations is), one of them another university's. No white space, a single '@'.
  if (/\s/.test(value)) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1 || value.indexOf('@') !== at) return false;
  // A scope is a DNS name (an international one in its xn-- form): anything beyond printable ASCII
  // is a look-alike (a Cyrillic а; the Kelvin sign, which toLowerCase turns into an ASCII k).
  const scope = value.slice(at + 1);
  if (scope.length > MAX_SCOPE_LENGTH || !/^[\x21-\x7e]+$/.test(scope)) return false;
  const lower = asciiLower(scope);
  return scopes.some((s) => {
    if (!s.regexp) return asciiLower(s.value) === lower;
    return matchesPattern(s.value, lower);
  });
}

/**
 * How long one regexp scope may take to match before it counts as no match. Wall-clock time (a
 * busy machine can stretch a harmless match past a few tens of milliseconds), hence generous.
 */
const PATTERN_TIMEOUT_MS = 250;
/** A pattern that ran out of time this often grants nothing from then on (in this process). */
const STRIKES = 3;
const sandbox = createContext({});
const test = new Script('pattern.test(value)');
const strikes = new Map<string, number>();

/**
 * A regexp scope comes from the IdP's metadata and is matched against what the IdP asserts, so an
 * IdP could send a pattern that backtracks for hours (`(a|aa)+`) and a value that makes it: the
 * match runs under a time limit (node:vm interrupts it) and counts as no match. A pattern that
 * ran out of time three times is not run again: each such try held the event loop for the limit.
 * One slow match on a busy machine does not disable a harmless pattern. An unusable pattern grants
 * nothing either.
 */
function matchesPattern(pattern: string, value: string): boolean {
  if ((strikes.get(pattern) ?? 0) >= STRIKES) return false;
  let compiled: RegExp;
  try {
    compiled = new RegExp(`^(?:${pattern})$`, 'i');
  } catch {
    return false;
  }
  sandbox.pattern = compiled;
  sandbox.value = value;
  try {
    return test.runInContext(sandbox, { timeout: PATTERN_TIMEOUT_MS }) === true;
  } catch {
    strikes.set(pattern, (strikes.get(pattern) ?? 0) + 1);
    return false;
  } finally {
    sandbox.pattern = sandbox.value = undefined;
  }
}

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The scope of a scoped value, for logs and error pages. */
export const scopeOf = (value: string) => value.slice(value.lastIndexOf('@') + 1);
