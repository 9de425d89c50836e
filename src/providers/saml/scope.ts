import type { IdpRecord } from './metadata/parse.js';

/**
 * Whether a scoped value (`alice@uni-a.example`) carries a scope the IdP declares in its
 * metadata (shibmd:Scope): literally, ignoring case, or matching a `regexp="true"` scope in full.
 * An IdP may vouch only for its own people: `eppn` of another university is not its to assert.
 */
export function inScope(value: string, scopes: IdpRecord['scopes']): boolean {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return false;
  const scope = value.slice(at + 1);
  return scopes.some((s) => {
    if (!s.regexp) return s.value.toLowerCase() === scope.toLowerCase();
    try {
      return new RegExp(`^(?:${s.value})$`, 'i').test(scope);
    } catch {
      return false; // an unusable pattern in metadata grants nothing
    }
  });
}

/** The scope of a scoped value, for logs and error pages. */
export const scopeOf = (value: string) => value.slice(value.lastIndexOf('@') + 1);
