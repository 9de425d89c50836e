import type { IdpRecord } from './metadata/parse.js';

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
  if (!/^[\x21-\x7e]+$/.test(scope)) return false;
  const lower = asciiLower(scope);
  return scopes.some((s) => {
    if (!s.regexp) return asciiLower(s.value) === lower;
    try {
      return new RegExp(`^(?:${s.value})$`, 'i').test(lower);
    } catch {
      return false; // an unusable pattern in metadata grants nothing
    }
  });
}

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The scope of a scoped value, for logs and error pages. */
export const scopeOf = (value: string) => value.slice(value.lastIndexOf('@') + 1);
