import * as oidc from 'openid-client';
import type { OrcidConfig } from '../../config/schema.js';
import { LanyardError } from '../../errors.js';
import type { ExternalProfile } from '../profile.js';
import { classifyProviderError } from '../oauth/errors.js';
import { fetchVerifiedEmails } from './emails.js';
import { providerFetch } from '../oauth/fetch.js';

/**
 * ORCID as openid-client sees it. The endpoints are fixed by ORCID (docs/design.md, ORCID §1.1), so
 * the configuration is built from them instead of discovered: no network call at start-up, and
 * no start-up failure when ORCID is down. Client authentication is client_secret_post (the only
 * method ORCID advertises); no PKCE, because ORCID's token proxy drops `code_verifier` (§1.9.6).
 */
export class OrcidClient {
  readonly redirectUri: string;
  private readonly oidc: oidc.Configuration;
  private readonly openid: boolean;

  private readonly timeoutMs: number;

  constructor(
    readonly config: OrcidConfig,
    redirectUri: string,
  ) {
    this.timeoutMs = config.timeoutMs;
    this.redirectUri = redirectUri;
    this.openid = config.scopes.includes('openid');
    const site = config.siteUrl;
    this.oidc = new oidc.Configuration(
      {
        issuer: site,
        authorization_endpoint: `${site}/oauth/authorize`,
        token_endpoint: `${site}/oauth/token`,
        jwks_uri: `${site}/oauth/jwks`,
        userinfo_endpoint: `${site}/oauth/userinfo`,
        // Not in ORCID's discovery document (§1.9.1), but served (§1.7).
        revocation_endpoint: `${site}/oauth/revoke`,
        id_token_signing_alg_values_supported: ['RS256'],
      },
      config.clientId,
      config.clientSecret,
      oidc.ClientSecretPost(config.clientSecret),
    );
    // Every call to ORCID goes through providerFetch (keep-alive, node:http), which bounds it by
    // `timeoutMs` and its answer's size itself; openid-client's own timeout would add a signal per call.
    this.oidc[oidc.customFetch] = providerFetch(this.timeoutMs);
    this.oidc.timeout = 0;
    if (site.startsWith('http:')) oidc.allowInsecureRequests(this.oidc);
  }

  /**
   * Where to send the browser; `nonce` only with `openid` (ORCID echoes it in the ID token). A flow
   * may ask for more than sign-in's scopes (the account console's "grant access").
   */
  authorizationUrl(flow: { state: string; nonce: string; scopes?: string[]; proves?: object }): string {
    return oidc.buildAuthorizationUrl(this.oidc, {
      redirect_uri: this.redirectUri,
      scope: (flow.scopes ?? this.config.scopes).join(' '),
      state: flow.state,
      ...(this.openid ? { nonce: flow.nonce } : {}),
      // A proof of a mailed link's iD asks ORCID for a fresh sign-in: this browser may still be
      // signed in there as somebody else (ORCID honours `prompt` with `openid` only).
      ...(this.openid && flow.proves ? { prompt: 'login' } : {}),
    }).href;
  }

  /**
   * Exchanges the code and validates the ID token. `query` is the callback's query string; the
   * callback URL is rebuilt from the public base, since ORCID compares `redirect_uri` exactly (§1.4).
   */
  async exchange(
    query: URLSearchParams,
    flow: { state: string; nonce: string; scopes?: string[] },
  ): Promise<ExchangedTokens> {
    const current = new URL(`${this.redirectUri}?${query.toString()}`);
    try {
      const tokens = await oidc.authorizationCodeGrant(this.oidc, current, {
        expectedState: flow.state,
        ...(this.openid ? { expectedNonce: flow.nonce, idTokenExpected: true } : {}),
      });
      const orcid = typeof tokens.orcid === 'string' ? tokens.orcid : tokens.claims()?.sub;
      if (!orcid) throw new LanyardError('PROVIDER_ERROR', 'ORCID returned no iD.', { provider: 'ORCID' });
      const claims = tokens.claims();
      if (claims && claims.sub !== orcid)
        throw new LanyardError('PROVIDER_ERROR', 'ORCID returned two different iDs.', { provider: 'ORCID' });
      return {
        orcid,
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token ?? null,
        expiresIn: tokens.expires_in ?? null,
        scopes: (tokens.scope ?? (flow.scopes ?? this.config.scopes).join(' ')).split(/[ +]/).filter(Boolean),
        // `name` is the public display name or "" (§1.4); the claims carry the public parts too.
        name: typeof tokens.name === 'string' && tokens.name.trim() ? tokens.name.trim() : null,
        givenName: typeof claims?.given_name === 'string' ? claims.given_name : null,
        familyName: typeof claims?.family_name === 'string' ? claims.family_name : null,
        // ORCID's amr is a string ("pwd" or "mfa"), not the array OIDC specifies (§1.9.3).
        amr: claims?.amr === undefined ? [] : Array.isArray(claims.amr) ? claims.amr.map(String) : [String(claims.amr)],
      };
    } catch (e) {
      throw classifyProviderError(e, 'ORCID');
    }
  }

  /** The iD's verified emails from the v3.0 API (§2.2); ORCID gives none over OpenID Connect. */
  emails(orcid: string, accessToken: string): Promise<ExternalProfile['emails']> {
    return fetchVerifiedEmails(this.config.apiUrl, orcid, accessToken, this.timeoutMs);
  }

  /** Revokes a token at ORCID (used when an ORCID iD is unlinked). */
  async revoke(token: string): Promise<void> {
    try {
      await oidc.tokenRevocation(this.oidc, token);
    } catch (e) {
      throw classifyProviderError(e, 'ORCID');
    }
  }
}

export interface ExchangedTokens {
  orcid: string;
  accessToken: string;
  refreshToken: string | null;
  expiresIn: number | null;
  scopes: string[];
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  amr: string[];
}
