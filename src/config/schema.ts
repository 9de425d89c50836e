import type { OutboundProxy } from '../lib/outbound-proxy.js';
import type { SamlEntry } from '../providers/saml/config.js';

/** The typed configuration every part of Lanyard receives. Built and validated by `loadConfig`. */
export type RegistrationType =
  'EXTERNAL' | 'VALIDATION' | 'REGISTER' | 'FORGOT' | 'CHANGE_PASSWORD' | 'INVITATION' | 'CHANGE_EMAIL';

export type OrcidEnv = 'production' | 'sandbox' | 'emulator' | 'custom';

export interface OrcidConfig {
  env: OrcidEnv;
  clientId: string;
  clientSecret: string;
  /** Site base: issuer, /oauth/authorize, /oauth/token. No trailing slash. */
  siteUrl: string;
  /** API base that serves /v3.0/{iD}/email (public or member API). No trailing slash. */
  apiUrl: string;
  /** What sign-in asks ORCID for. */
  scopes: string[];
  /**
   * A member API client: the account console offers researchers to grant `recordScopes` (read
   * limited data, update activities) beyond sign-in. A public API client reads public data only.
   */
  member: boolean;
  /** Auto-link on an email ORCID marks verified (docs/design.md §3 case 3). */
  trustEmail: boolean;
  /** How long to wait for ORCID before showing "ORCID is not reachable". */
  timeoutMs: number;
}

/** A provider's name per language; `en` is the fallback. */
export type ProviderLabel = { en: string } & Partial<Record<'de', string>>;

/** What every entry of the `providers` list has, whatever its type. */
export interface ProviderEntryBase {
  /** Url-safe and unique; stored as the identities' provider key. */
  id: string;
  type: string;
  label: ProviderLabel;
  /** May a verified email from this provider auto-link to the account using it? */
  trustEmail: boolean;
  /** How long to wait for the provider before its "not reachable" page. */
  timeoutMs: number;
}

export type OrcidEntry = OrcidConfig & ProviderEntryBase & { type: 'orcid' };

/** Which claim carries what (OpenID Connect defaults: sub, email, email_verified, …). */
export interface OidcClaimMap {
  subject: string;
  email: string;
  emailVerified: string;
  givenName: string;
  familyName: string;
  name: string;
}

/** Any OpenID Connect identity provider (a university's Keycloak, Entra ID, an eduGAIN proxy). */
export interface OidcEntry extends ProviderEntryBase {
  type: 'oidc';
  /** Discovery starts at `{issuer}/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  scopes: string[];
  claims: OidcClaimMap;
}

/**
 * Lanyard behind Apache + mod_shib: the Shibboleth SP did the SAML part and passes the attributes
 * as request headers, believed only from `trustedProxies` carrying `secret` in `secretHeader`.
 */
export interface ShibbolethHeadersEntry extends ProviderEntryBase {
  type: 'shibboleth-headers';
  /** Addresses or CIDR ranges of the Apache servers (the TCP peer, never X-Forwarded-For). */
  trustedProxies: string[];
  secret: string;
  secretHeader: string;
  /** Header names per attribute (mod_shib's attribute-map.xml ids by default). */
  headers: import('../providers/shibboleth-headers/headers.js').HeaderNames;
  /** The IdPs accepted (by entityID) and the scopes each may assert. */
  idps: Record<string, { scopes: string[] }>;
  /** With trustEmail: the IdPs whose released emails count as verified. */
  trustEmailFrom: string[];
  /** The SP's entityID, checked against a persistent-id's SPNameQualifier when set. */
  spEntityId: string | null;
  /**
   * The SP's session initiator (`/Shibboleth.sso/Login`, a path on the public URL's host, or an
   * absolute URL): a proof starts there with forceAuthn, so the person signs in afresh at the IdP.
   * Null: a proof goes straight to the callback, into whatever session the SP holds.
   */
  loginHandler: string | null;
}

/** One entry per way to sign in through somebody else, in the order the login page shows them. */
export type ProviderEntry = OrcidEntry | OidcEntry | ShibbolethHeadersEntry | SamlEntry;

export interface SecretKey {
  id: string;
  key: Buffer;
}

export interface Config {
  /** The forward proxy of outgoing calls (HTTPS_PROXY, HTTP_PROXY, NO_PROXY); null: all direct. */
  outboundProxy: OutboundProxy | null;
  port: number;
  host: string;
  publicUrl: string;
  /** true when publicUrl is https: cookies get Secure and the __Host- prefix. */
  secureCookies: boolean;
  databaseUrl: string | null;
  dataDir: string;
  smtpUrl: string | null;
  mailFrom: string;
  /** The current key first; older keys after it still decrypt (rotation). */
  secretKeys: SecretKey[];
  selfRegistration: boolean;
  /** Origins (scheme://host[:port]) a sign-in may redirect back to, besides publicUrl. */
  allowedRedirectOrigins: string[];
  /**
   * Whose `X-Forwarded-For` to believe: false (no one), true (every hop), or the addresses/CIDRs of
   * the proxies and UI servers in front (a UI rendering server-side forwards the browser's address).
   */
  trustProxy: boolean | string[];
  /**
   * DSpace's `dspace.ui.url`: the base URL of a DSpace-style UI that drives the REST API (no trailing
   * slash). Set, API-started sign-ins return there and mails triggered through the API link to its routes.
   */
  uiUrl: string | null;
  /** Origins whose pages may call the REST API with credentials (CORS): the UI's, then LANYARD_CORS_ORIGINS. */
  corsOrigins: string[];
  /** Lifetime of a REST API Bearer token (DSpace: jwt.login.token.expiration); the session bounds it too. */
  bearerTtlSeconds: number;
  /** How long after a merge the same token may apply further overrides to the same account (DSpace's UI sends one call per field). */
  mergeFollowUpSeconds: number;
  redisUrl: string | null;
  /** Prefix of Lanyard's Redis keys, so several deployments can share one Redis. */
  redisPrefix: string;
  /**
   * How long a Redis command may go unanswered before the caller falls back (rate limits without
   * the shared count, the password throttle and SAML's sign-in state in the database).
   */
  redisTimeoutMs: number;
  /** Lifetime in seconds of each registration type's token. */
  tokenTtl: Record<RegistrationType, number>;
  sessionTtlSeconds: number;
  /** How recent a sign-in must be for sensitive actions (unlink, password change). */
  reauthSeconds: number;
  /** Audit events older than this many days are deleted by housekeeping; 0 keeps them forever. */
  auditRetentionDays: number;
  password: { memoryCost: number; timeCost: number; parallelism: number; maxConcurrent: number };
  rateLimit: {
    signInPerMinute: number;
    mailPerHourPerAddress: number;
    tokenGuessesPerMinute: number;
    /** Requests per minute and client address to each of the OpenID provider's back-channel endpoints. */
    openIdProviderPerMinute: number;
    /** Calls per minute to `/api/orcid/…` by one caller: a repository for one researcher, or a researcher's session. */
    orcidApiPerMinute: number;
  };
  /** The ORCID entry of `providers`, if any (what the LANYARD_ORCID_* shorthand configures). */
  orcid: OrcidConfig | null;
  /** The configured providers (the `providers` list, with the ORCID shorthand's entry first). */
  providers: ProviderEntry[];
  logLevel: string;
  /** Serve GET /metrics (event-loop delay, memory) for the benchmark. Off by default. */
  metrics: boolean;
  /** Embedded mode: PGlite and, without SMTP, the dev mailbox at /dev/mail. */
  embedded: boolean;
  /**
   * Serve the dev mailbox (/dev/mail, every mail with its links, readable by anyone who reaches it):
   * only in embedded mode without SMTP, and only while the public URL is this machine's loopback.
   */
  devMailbox: boolean;
}
