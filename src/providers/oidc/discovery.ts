import * as oidc from 'openid-client';
import type { OidcEntry } from '../../config/schema.js';
import { LanyardError } from '../../errors.js';
import { isLoopback } from '../../lib/loopback.js';
import { outboundFetch } from '../../lib/outbound-proxy.js';

/** How long a discovery document is used before it is fetched again (keys rotate, endpoints move). */
const REFRESH_MS = 60 * 60 * 1000;

/**
 * The IdP's configuration from its discovery document, fetched on first use and refreshed hourly;
 * when a refresh fails the last good copy is kept. An IdP that is down at start-up therefore does
 * not stop Lanyard: its button leads to the "not reachable" page until it answers.
 */
export class Discovery {
  private current: { config: oidc.Configuration; at: number } | null = null;
  private pending: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly entry: OidcEntry,
    private readonly label: string,
  ) {}

  async get(now = Date.now()): Promise<oidc.Configuration> {
    if (this.current && now - this.current.at < REFRESH_MS) return this.current.config;
    this.pending ??= this.fetch(now).finally(() => (this.pending = null));
    try {
      return await this.pending;
    } catch (e) {
      if (this.current) return this.current.config;
      throw e;
    }
  }

  private async fetch(now: number): Promise<oidc.Configuration> {
    const { entry } = this;
    const issuer = new URL(entry.issuer);
    const auth =
      entry.tokenEndpointAuthMethod === 'none'
        ? oidc.None()
        : entry.tokenEndpointAuthMethod === 'client_secret_post'
          ? oidc.ClientSecretPost(entry.clientSecret!)
          : oidc.ClientSecretBasic(entry.clientSecret!);
    let config: oidc.Configuration;
    try {
      config = await oidc.discovery(issuer, entry.clientId, undefined, auth, {
        timeout: Math.ceil(entry.timeoutMs / 1000),
        [oidc.customFetch]: outboundFetch,
        // Plain http only for loopback issuers (the config check refuses anything else).
        ...(issuer.protocol === 'http:' && isLoopback(issuer.hostname)
          ? { execute: [oidc.allowInsecureRequests] }
          : {}),
      });
    } catch (e) {
      const err = e as { code?: string; cause?: unknown };
      // A document that answers but is not this issuer's is a configuration problem, not an outage.
      if (err.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' || err.code === 'OAUTH_INVALID_RESPONSE')
        throw new LanyardError(
          'PROVIDER_ERROR',
          `${this.label}'s discovery document does not describe the configured issuer.`,
          { provider: this.label },
          { cause: e },
        );
      throw new LanyardError(
        'PROVIDER_UNAVAILABLE',
        `${this.label} is not available right now (discovery failed).`,
        { provider: this.label },
        { cause: e },
      );
    }
    config.timeout = Math.ceil(entry.timeoutMs / 1000);
    // The token, userinfo and JWKS calls too: through the forward proxy when one is configured.
    config[oidc.customFetch] = outboundFetch;
    // openid-client skips the ID token signature when it comes straight from the token endpoint
    // over TLS (OIDC Core 3.1.3.7 allows it); Lanyard checks it against the IdP's JWKS anyway.
    oidc.enableNonRepudiationChecks(config);
    this.current = { config, at: now };
    return config;
  }
}
