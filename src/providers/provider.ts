import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Locale, Translate } from '../i18n/index.js';
import type { SafeHtml } from '../lib/html.js';
import type { ProviderTokens } from '../stores/provider-tokens.js';
import type { OAuthFlow } from './oauth/state.js';
import type { ExternalProfile, ProviderPolicy } from './profile.js';

/**
 * One way to sign in through somebody else (docs/design.md, "The provider interface"): a folder
 * under src/providers/ that turns a browser round trip into an `ExternalProfile`. The broker, the
 * pages, the REST API and the CLI only ever see this interface; they never name a provider.
 */
export interface Provider {
  /** The entry's id: url-safe, unique, stored as the identity's provider key. */
  readonly id: string;
  /** The entry's type (`orcid`, `oidc`). */
  readonly type: string;
  /** Linking policy: may a verified email auto-link (product contract, first-login case 3)? */
  readonly policy: ProviderPolicy;
  /** Where the provider sends the browser back, exactly as registered there. */
  readonly redirectUri: string;
  /** Paths of this service that serve the callback; the first is the redirect URI's. */
  readonly callbackPaths: string[];
  /** Paths that start a sign-in besides the shared `/auth/{id}`. */
  readonly startAliases: string[];
  /** Origins a form may be redirected to when starting a flow (the page's CSP `form-action`). */
  readonly formOrigins: string[];
  /** A stand-in for the real provider (the built-in emulator): pages say so. */
  readonly demo: boolean;
  /** How the provider is named to people: "ORCID", "University of Example". */
  label(locale: Locale): string;
  /** How one of its identities is named: "ORCID iD", "University of Example account". */
  identityName(locale: Locale): string;
  /**
   * The authorize URL for this flow; may add to the flow what the callback needs (a PKCE verifier).
   * `request` is what the start request said beyond the flow (SAML: which IdP, `?idp=`).
   */
  start(flow: OAuthFlow, request?: StartRequest): Promise<{ url: string; flow: OAuthFlow }>;
  /**
   * Checks the callback against the flow and returns who signed in. Refusals are LanyardErrors
   * (`PROVIDER_*`, `OAUTH_*`) whose details name the provider. When only the emails could not be
   * read, the profile comes back with `emailsUnavailable` and the broker decides (a known
   * identity still signs in).
   */
  finish(callback: CallbackInput): Promise<ExternalProfile>;
  /** Called when one of its identities is unlinked: revoke what can be revoked. true/false = revoked or not, null = nothing to do. */
  unlink(tokens: ProviderTokens | null): Promise<boolean | null>;
  /** What the operator registers at the provider (`config check`). */
  describe(): string[];
  readonly view: ProviderView;
  /**
   * Further endpoints of the provider under `/auth/{id}/` (SAML: its metadata and the ACS, which
   * receives the IdP's cross-site POST and hands the browser on to the shared callback).
   */
  readonly endpoints?: ProviderEndpoint[];
  /**
   * Work the provider does while the service runs (SAML: refreshing its IdPs' metadata on
   * schedule). Started once the service is up, stopped before it closes; `tickMs` is how often it
   * looks whether something is due (tests shorten it).
   */
  background?(opts: { tickMs?: number }): { stop(): Promise<void> };
}

/** The callback request as a provider may need it beyond its query (a proxy's headers, its address). */
export interface CallbackRequest {
  headers: IncomingHttpHeaders;
  /** Header names and values as they came, in order (Node joins repeated headers in `headers`). */
  rawHeaders: string[];
  /** The TCP peer's address (never X-Forwarded-For). */
  remoteAddress: string | undefined;
  log: FastifyBaseLogger;
}

/** What a start request carries besides the flow. */
export interface StartRequest {
  query: URLSearchParams;
  /** The signed-in session of the browser that asks, if any. */
  sessionId: string | null;
}

/** An endpoint a provider serves itself, at `/auth/{id}/{path}`. */
export interface ProviderEndpoint {
  method: 'GET' | 'POST';
  path: string;
  /** Largest body accepted (bytes), for POST endpoints. */
  bodyLimit?: number;
  handle(input: EndpointInput): Promise<EndpointAnswer>;
}

export interface EndpointInput {
  query: URLSearchParams;
  body: Record<string, unknown>;
  sessionId: string | null;
  locale: Locale;
  t: Translate;
  /** A cookie the provider set earlier (by the name it gave, without the __Host- prefix). */
  cookie(name: string): string | undefined;
}

/** A cookie a provider asks to set (HttpOnly, SameSite=Lax, under the __Host- prefix over https). */
export interface ProviderCookie {
  name: string;
  value: string;
  maxAgeSeconds: number;
}

/**
 * A redirect (with a new flow for the browser's flow cookie, when the endpoint began one), or a
 * document (SP metadata, a page).
 */
export type EndpointAnswer =
  | { kind: 'redirect'; location: string; flow?: OAuthFlow; cookies?: ProviderCookie[] }
  | { kind: 'document'; status: number; type: string; body: string }
  | {
      kind: 'page';
      title: string;
      main: SafeHtml;
      /** The page shows images from other https origins (institutions' logos from federation metadata). */
      externalImages?: boolean;
      /** Where the sign-in goes on to: the page names the repository when that is one (src/openid-provider/interaction-client.ts). */
      returnTo?: string;
    };

/** What the callback route hands a provider. */
export interface CallbackInput {
  /** The callback's query string (error redirects may lack `state`: check `error` first). */
  query: URLSearchParams;
  request: CallbackRequest;
  /** This browser's flow, checked (signed, unexpired, started for this provider, `state` equal). */
  flow(): OAuthFlow;
}

/** How a provider looks on the shared pages. */
export interface ProviderView {
  /**
   * The button on /login (a link to `href`), with any hint below it; `signedIn`: the person is
   * signed in already and only confirms it is them (no account to create).
   */
  signInButton(href: string, t: Translate, locale: Locale, signedIn: boolean): SafeHtml;
  /** The submit button of the "connect" form on /profile. */
  linkButton(t: Translate, locale: Locale): SafeHtml;
  /** An identity of this provider as shown on pages (ORCID: iD icon and full link), named in `locale`. */
  identity(subject: string, issuer: string | null, locale: Locale): SafeHtml;
  /** The same as plain text, for mails. */
  identifier(subject: string, issuer: string | null): string;
  /** Files its markup uses (ORCID's iD icon), served at their paths while the provider is configured. */
  assets?: ProviderAsset[];
}

/** A static file of a provider's view. */
export interface ProviderAsset {
  path: string;
  type: string;
  body: string;
}
