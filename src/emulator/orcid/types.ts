// The emulator's public data types: what a fixture file holds and what the options accept.
// Visibility values are ORCID's v3.0 enum in its JSON spelling (orcid-model
// `v3/release/common/Visibility.java`; lowercase with dashes since v3.0, record_3.0/README.md).

export type Visibility = 'public' | 'limited' | 'registered-only' | 'private';

export interface FixtureEmail {
  email: string;
  visibility: Visibility;
  verified: boolean;
  primary?: boolean;
}

export interface FixtureWork {
  title: string;
  /** ORCID work type, e.g. `journal-article` (default). */
  type?: string;
  year?: number;
  journal?: string;
  doi?: string;
  visibility?: Visibility;
}

/** An employment or an education: where, what, from when to when. */
export interface FixtureAffiliation {
  organization: string;
  city?: string;
  /** ISO 3166 alpha-2, e.g. `DE`. */
  country?: string;
  department?: string;
  role?: string;
  startYear?: number;
  endYear?: number;
  visibility?: Visibility;
}

export interface FixtureFunding {
  title: string;
  /** ORCID funding type: `grant` (default), `contract`, `award` or `salary-award`. */
  type?: string;
  /** The funder. */
  organization: string;
  city?: string;
  country?: string;
  startYear?: number;
  endYear?: number;
  grantNumber?: string;
  visibility?: Visibility;
}

export interface FixtureUser {
  /** The iD; minted in the 0009 block when absent. Must carry a valid MOD 11-2 check digit. */
  orcid?: string;
  /** Shown on the sign-in page so a person clicking through knows which case this user covers. */
  description?: string;
  givenNames: string;
  familyName?: string | null;
  creditName?: string | null;
  /** Visibility of the whole name (given, family and credit name share one setting in ORCID). */
  nameVisibility?: Visibility;
  biography?: string | null;
  biographyVisibility?: Visibility;
  emails?: FixtureEmail[];
  works?: FixtureWork[];
  employments?: FixtureAffiliation[];
  educations?: FixtureAffiliation[];
  fundings?: FixtureFunding[];
  /** The visibility works added through the member API get (ORCID ignores the client's). Default public. */
  activitiesVisibilityDefault?: Visibility;
  /** Two-factor authentication on: the ID token's `amr` is then `"mfa"` instead of `"pwd"`. */
  mfa?: boolean;
}

export interface ClientRegistration {
  clientId: string;
  clientSecret: string;
  /** Registered redirect URIs; a request matches by scheme/host/port equality and path prefix. */
  redirectUris: string[];
  /** Member clients may ask for `/read-limited` and get `amr` in ID tokens. Default false. */
  member?: boolean;
  name?: string;
}

export interface EmulatorFixtures {
  clients: ClientRegistration[];
  users: FixtureUser[];
}

export interface OrcidEmulatorOptions {
  /**
   * Public base of the "site" (the issuer), no trailing slash, e.g. `http://127.0.0.1:8081` or
   * `http://localhost:3000/orcid-emulator`. Every URL the emulator emits is built from it, never
   * from `Host`, because openid-client compares the issuer by exact string.
   */
  baseUrl: string;
  /** Default: the bundled `fixtures.json`. */
  fixtures?: EmulatorFixtures;
  /** Millisecond clock; the admin "advance clock" adds an offset on top. Default `Date.now`. */
  now?: () => number;
  /** Default 600, the `exp - iat` of both decoded examples in ORCID_AUTH_WITH_OPENID_CONNECT.md. */
  idTokenLifetimeSeconds?: number;
  /** Default 600 (docs/design.md, ORCID §1.4: production value unknown, legacy 1440 min, nemar 10). */
  codeLifetimeSeconds?: number;
  /** Live token pairs kept before the oldest are forgotten (behave as revoked). Default 100 000. */
  maxTokens?: number;
  logger?: boolean;
  /**
   * Demo: every interactive authorize request shows the sign-in page — "Continue as …", every other
   * user, and "Sign out of the emulator" — instead of ORCID's silent skip-consent, so one browser
   * can try every fixture user. Default false (ORCID's behaviour).
   */
  alwaysChooseUser?: boolean;
}
