import type Provider from 'oidc-provider';
import type { Lanyard } from '../lanyard.js';
import { readTogether, type RequestRows, RequestReads } from '../stores/oidc-payloads.js';
import { loadProviderKeys, type ProviderKeys, providerKeysVersion, publishedKeys } from './keys.js';

interface Built {
  version: number;
  keys: ProviderKeys;
  /** The kids the provider publishes, in order: a change of set or order means a rebuild. */
  published: string;
  provider: Provider;
  callback: ReturnType<Provider['callback']>;
}

/**
 * The OpenID provider of this process, always built with the keys stored right now. oidc-provider
 * fixes its JWKS when constructed, so a key rotation (`npx lanyard oidc rotate-keys`, run anywhere)
 * or a retired key reaching the end of its publication means building it again. Every request to
 * the provider first reads the stored keys' version — in the same statement as the rows the request
 * is about (`forRequest`), else alone; the keys are read and unsealed again only when it changed,
 * once for all requests that saw the change. Nothing else lives in the provider object: its state
 * is in the database, and the cookie keys stay the same.
 */
export class CurrentProvider {
  private built: Built | undefined;
  private building: { version: number | undefined; at: Promise<Built> } | undefined;

  constructor(private readonly lanyard: Lanyard) {}

  /** The provider to serve this request with. */
  async get(): Promise<Provider> {
    return (await this.forVersion(await providerKeysVersion(this.lanyard.db))).provider;
  }

  /**
   * The provider's request handler (Koa's `callback()`, rebuilt with the provider) and the rows
   * the request is about, read with the keys' version in one statement.
   */
  async forRequest(
    want: RequestRows,
  ): Promise<{ callback: Built['callback']; reads: RequestReads; lanyardSession: unknown }> {
    const { keysVersion, rows, lanyardSession } = await readTogether(this.lanyard.db, { ...want, keysVersion: true });
    const reads = new RequestReads();
    reads.add(rows, want);
    return { callback: (await this.forVersion(keysVersion)).callback, reads, lanyardSession };
  }

  /** The provider built with the keys of `version` (what was just read), building it if needed. */
  private forVersion(version: number | undefined): Promise<Built> | Built {
    const built = this.built;
    if (built && version === built.version && this.publishedNow(built) === built.published) return built;
    if (this.building?.version !== version || version === undefined) {
      const at = this.build(version).finally(() => {
        if (this.building?.at === at) this.building = undefined;
      });
      this.building = { version, at };
    }
    return this.building!.at;
  }

  private publishedNow(built: Built): string {
    return publishedKeys(built.keys, this.lanyard.clock.now())
      .map((k) => k.kid)
      .join(' ');
  }

  private async build(version: number | undefined): Promise<Built> {
    const { db, clock, config } = this.lanyard;
    let built = this.built;
    const now = clock.now();
    let keys = built?.keys;
    let loadedVersion = built?.version;
    if (!built || version !== built.version) {
      ({ version: loadedVersion, keys } = await loadProviderKeys(db, config.secretKeys, now));
    }
    const published = publishedKeys(keys!, now)
      .map((k) => k.kid)
      .join(' ');
    if (!built || loadedVersion !== built.version || published !== built.published) {
      // oidc-provider (with Koa and its own dependencies, about 5 MB of heap) loads with the first
      // request to the provider, not at start: a Lanyard no repository signs in through never loads it.
      const { createOpenIdProvider } = await import('./provider.js');
      const provider = createOpenIdProvider(this.lanyard, keys!, now);
      built = { version: loadedVersion!, keys: keys!, published, provider, callback: provider.callback() };
      this.built = built;
    }
    return built;
  }
}
