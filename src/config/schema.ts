/** The typed configuration every part of Lanyard receives. Built and validated by `loadConfig`. */
export type RegistrationType = 'EXTERNAL' | 'VALIDATION' | 'REGISTER' | 'FORGOT' | 'CHANGE_PASSWORD' | 'INVITATION';

export type OrcidEnv = 'production' | 'sandbox' | 'emulator' | 'custom';

export interface OrcidConfig {
  env: OrcidEnv;
  clientId: string;
  clientSecret: string;
  /** Site base: issuer, /oauth/authorize, /oauth/token. No trailing slash. */
  siteUrl: string;
  /** API base that serves /v3.0/{iD}/email (public or member API). No trailing slash. */
  apiUrl: string;
  scopes: string[];
  /** Auto-link on an email ORCID marks verified (product.md §3 case 3). */
  trustEmail: boolean;
  /** How long to wait for ORCID before showing "ORCID is not reachable". */
  timeoutMs: number;
}

export interface SecretKey {
  id: string;
  key: Buffer;
}

export interface Config {
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
  /** Lifetime in seconds of each registration type's token. */
  tokenTtl: Record<RegistrationType, number>;
  sessionTtlSeconds: number;
  /** How recent a sign-in must be for sensitive actions (unlink, password change). */
  reauthSeconds: number;
  password: { memoryCost: number; timeCost: number; parallelism: number; maxConcurrent: number };
  rateLimit: { signInPerMinute: number; mailPerHourPerAddress: number; tokenGuessesPerMinute: number };
  orcid: OrcidConfig | null;
  logLevel: string;
  /** Serve GET /metrics (event-loop delay, memory) for the benchmark. Off by default. */
  metrics: boolean;
  /** Embedded mode: PGlite and, without SMTP, the dev mailbox at /dev/mail. */
  embedded: boolean;
}
