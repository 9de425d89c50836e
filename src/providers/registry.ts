import type { Clock } from '../clock.js';
import type { Logger } from 'pino';
import type { ProviderEntry, SecretKey } from '../config/schema.js';
import type { Db } from '../db/connect.js';
import type { FlowStateStore } from '../stores/flow-state.js';
import { LanyardError } from '../errors.js';
import type { Locale } from '../i18n/index.js';
import { html, type SafeHtml } from '../lib/html.js';
import { createOidcProvider } from './oidc/index.js';
import { createOrcidProvider, ORCID_CALLBACK_PATH } from './orcid/index.js';
import type { Provider } from './provider.js';
import { createShibbolethHeadersProvider } from './shibboleth-headers/index.js';
import { createSamlProvider } from './saml/index.js';

export interface ProviderContext {
  publicUrl: string;
  clock: Clock;
  /** The running service's database, log and shared flow state; absent for `config check`. */
  runtime?: { db: Db; log: Logger; flowState: FlowStateStore; secretKeys: SecretKey[] };
}

/** A path an outside contract fixes for a provider type, served even when no entry of the type is configured. */
export interface ReservedPath {
  path: string;
  kind: 'callback' | 'start';
  /** Who the path belongs to, for the API document. */
  label: string;
}

interface ProviderType {
  create(entry: never, ctx: ProviderContext): Provider;
  reservedPaths: ReservedPath[];
}

/** Every provider type, by the `type` of its config entry. */
const types: Record<ProviderEntry['type'], ProviderType> = {
  orcid: {
    create: createOrcidProvider,
    // DSpace's UI and clients know these paths (OrcidLoginFilter): without ORCID they answer 401.
    reservedPaths: [
      { path: ORCID_CALLBACK_PATH, kind: 'callback', label: 'ORCID' },
      { path: `${ORCID_CALLBACK_PATH}/start`, kind: 'start', label: 'ORCID' },
    ],
  },
  oidc: { create: createOidcProvider, reservedPaths: [] },
  'shibboleth-headers': { create: createShibbolethHeadersProvider, reservedPaths: [] },
  saml: { create: createSamlProvider, reservedPaths: [] },
};

/** The configured providers, in configuration order (the login page's order). */
export class ProviderRegistry {
  private readonly byId: Map<string, Provider>;

  constructor(readonly list: Provider[]) {
    this.byId = new Map(list.map((p) => [p.id, p]));
  }

  get(id: string | null | undefined): Provider | undefined {
    return id ? this.byId.get(id) : undefined;
  }

  require(id: string): Provider {
    const provider = this.byId.get(id);
    if (!provider) throw new LanyardError('PROVIDER_NOT_CONFIGURED', 'Sign-in with this provider is not set up here.');
    return provider;
  }

  /** How an identity of this provider key is named to people ("ORCID iD", "Password"). */
  identityName(key: string | null, locale: Locale = 'en'): string {
    if (key === 'password') return locale === 'de' ? 'Passwort' : 'Password';
    return this.get(key)?.identityName(locale) ?? key ?? '';
  }

  /** The identity as plain text (mails): ORCID's full iD URL, else the subject. */
  identifier(key: string | null, subject: string | null, issuer: string | null | undefined): string {
    return this.get(key)?.view.identifier(subject ?? '', issuer ?? null) ?? subject ?? '';
  }

  /** The identity on a page, as its provider shows it. */
  identityView(
    key: string | null,
    subject: string | null,
    issuer: string | null | undefined,
    locale: Locale,
  ): SafeHtml {
    const provider = this.get(key);
    return provider ? provider.view.identity(subject ?? '', issuer ?? null, locale) : html`${subject ?? ''}`;
  }

  /** Paths fixed by outside contracts whose provider type has no entry here (DSpace's ORCID callback). */
  unconfiguredPaths(): ReservedPath[] {
    return Object.entries(types)
      .filter(([type]) => !this.list.some((p) => p.type === type))
      .flatMap(([, t]) => t?.reservedPaths ?? []);
  }
}

export function createProviders(entries: ProviderEntry[], ctx: ProviderContext): ProviderRegistry {
  return new ProviderRegistry(
    entries.map((entry) => {
      const type = types[entry.type];
      if (!type) throw new LanyardError('CONFIG_INVALID', `Provider type ${entry.type} is not available.`);
      return type.create(entry as never, ctx);
    }),
  );
}
