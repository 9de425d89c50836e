// Access/refresh token pairs. ORCID stores the pair as one row, so revoking either token kills
// both (tutorial/revoke.md, docs/design.md, ORCID §1.7). Tokens live ≈20 years, so "expired" alone
// cannot bound memory: past `maxTokens` live pairs the oldest is forgotten and then behaves
// exactly like a revoked token (an emulator limit, not ORCID behaviour).
import { randomToken } from '../lib/random.js';

export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  clientId: string;
  /** Null for client_credentials tokens. */
  orcid: string | null;
  scopes: string[];
  expiresAt: number;
  /** The authorization code the pair descends from, through any number of refreshes. */
  fromCode: string | null;
  nonce: string | null;
  authTime: number | null;
}

export class TokenStore {
  readonly #byAccess = new Map<string, TokenGrant>();
  readonly #byRefresh = new Map<string, TokenGrant>();
  readonly #byCode = new Map<string, Set<TokenGrant>>();

  constructor(private readonly maxTokens: number) {}

  issue(init: Omit<TokenGrant, 'accessToken' | 'refreshToken'>): TokenGrant {
    const grant = { ...init, accessToken: randomToken(), refreshToken: randomToken() };
    this.#byAccess.set(grant.accessToken, grant);
    this.#byRefresh.set(grant.refreshToken, grant);
    if (grant.fromCode !== null) {
      let family = this.#byCode.get(grant.fromCode);
      if (!family) this.#byCode.set(grant.fromCode, (family = new Set()));
      family.add(grant);
    }
    while (this.#byAccess.size > this.maxTokens) {
      this.revoke(this.#byAccess.values().next().value!);
    }
    return grant;
  }

  /** The live pair an access token belongs to, or null (unknown, revoked or expired). */
  byAccessToken(token: string, now: number): TokenGrant | null {
    return this.#live(this.#byAccess.get(token), now);
  }

  byRefreshToken(token: string, now: number): TokenGrant | null {
    return this.#live(this.#byRefresh.get(token), now);
  }

  revoke(grant: TokenGrant): void {
    this.#byAccess.delete(grant.accessToken);
    this.#byRefresh.delete(grant.refreshToken);
    if (grant.fromCode === null) return;
    const family = this.#byCode.get(grant.fromCode);
    family?.delete(grant);
    if (family?.size === 0) this.#byCode.delete(grant.fromCode);
  }

  /**
   * Revokes every pair descending from a code. ORCID disables the tokens issued for a reused
   * code (src@legacy `OrcidAuthorizationCodeTokenGranter` L88-94, `RevokeReason.AUTH_CODE_REUSED`);
   * refreshed descendants go too, as RFC 6749 §10.5 recommends.
   */
  revokeFromCode(code: string): number {
    const family = [...(this.#byCode.get(code) ?? [])];
    for (const grant of family) this.revoke(grant);
    return family.length;
  }

  clear(): void {
    this.#byAccess.clear();
    this.#byRefresh.clear();
    this.#byCode.clear();
  }

  get size(): number {
    return this.#byAccess.size;
  }

  #live(grant: TokenGrant | undefined, now: number): TokenGrant | null {
    if (!grant) return null;
    if (grant.expiresAt > now) return grant;
    this.revoke(grant);
    return null;
  }
}
