// Which parts of a name ORCID shares without asking, in its three different shapes.
import type { EmulatorUser } from '../store/users.js';

const present = (v: string | null): v is string => v !== null && v.trim() !== '';

/**
 * The token response's `name`: the credit name if the name is public and a credit name is set,
 * else "given family" if the name is public, else `""` (empty string, never null). Source:
 * ORCID-Source@HEAD `RecordNameUtils.getPublicName` + `ProfileEntityManagerImpl.retrivePublicDisplayName`
 * (docs/design.md, ORCID §1.4).
 */
export function publicDisplayName(user: EmulatorUser): string {
  const { name } = user;
  if (name.visibility !== 'public') return '';
  if (present(name.creditName)) return name.creditName;
  return [name.givenNames, name.familyName].filter(present).join(' ');
}

export interface PublicNameClaims {
  name: string | null;
  family_name: string | null;
  given_name: string | null;
}

/**
 * Userinfo's and the ID token's name claims: `name` is the credit name only (no fallback to
 * given + family, unlike the token response), and every part is null unless the name is public.
 * Source: ORCID-Source@HEAD `OpenIDConnectUserInfo.java`; src@legacy `OpenIDConnectTokenEnhancer`
 * (docs/design.md, ORCID §1.9.3-§1.9.4).
 */
export function publicNameClaims(user: EmulatorUser): PublicNameClaims {
  const { name } = user;
  const shared = (v: string | null) => (name.visibility === 'public' && present(v) ? v : null);
  return {
    name: shared(name.creditName),
    family_name: shared(name.familyName),
    given_name: shared(name.givenNames),
  };
}
