import type Provider from 'oidc-provider';
import type { Lanyard } from '../lanyard.js';
import { loadProviderKeys, type ProviderKeys, providerKeysVersion, publishedKeys } from './keys.js';
import { createOpenIdProvider } from './provider.js';

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
 * the provider first compares the stored keys' version (one primary-key lookup); the keys are read
 * and unsealed again only when it changed. Concurrent requests share one lookup. Nothing else lives
 * in the provider object: its state is in the database, and the cookie keys stay the same.
 */
export class CurrentProvider {
  private built: Built | undefined;
  private checking: Promise<Built> | undefined;

  constructor(private readonly lanyard: Lanyard) {}

  /** The provider to serve this request with. */
  async get(): Promise<Provider> {
    return (await this.check()).provider;
  }

  /** The provider's request handler (Koa's `callback()`), rebuilt with the provider. */
  async callback(): Promise<Built['callback']> {
    return (await this.check()).callback;
  }

  private check(): Promise<Built> {
    this.checking ??= this.refresh().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async refresh(): Promise<Built> {
    const { db, clock, config } = this.lanyard;
    let built = this.built;
    const version = await providerKeysVersion(db);
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
      const provider = createOpenIdProvider(this.lanyard, keys!, now);
      built = { version: loadedVersion!, keys: keys!, published, provider, callback: provider.callback() };
      this.built = built;
    }
    return built;
  }
}
