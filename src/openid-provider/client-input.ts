import { type SigningAlg, signingAlgs } from './keys.js';
import {
  type ClientAuthMethod,
  clientAuthMethods,
  type PkcePolicy,
  pkcePolicies,
  type SubjectType,
  subjectTypes,
} from '../stores/oidc-clients.js';

/**
 * A client registration that cannot be stored. `field` names the input at fault (the CLI's option
 * name without `--`); the message is the one the CLI prints, so the console and the CLI refuse the
 * same inputs in the same words.
 */
export class ClientInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** An absolute http(s) URL without a fragment, matched exactly later (no wildcards, no prefixes). */
export function redirectUri(input: string, field = 'redirect-uri'): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new ClientInputError(field, `"${input}" is not an absolute URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash || input.includes('#'))
    throw new ClientInputError(field, `"${input}" must be an http(s) URL without a #fragment`);
  if (url.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
    throw new ClientInputError(field, `"${input}" must use https (plain http only for localhost)`);
  // Matched exactly: a `*` would be taken for a wildcard and match only itself.
  if (url.hostname.includes('*') || url.pathname.includes('*'))
    throw new ClientInputError(
      field,
      `"${input}" has a wildcard: redirect URIs are matched exactly, register each one`,
    );
  // A relying party's own URL parser must not find another host in it than browsers do
  // (`https://repo.example\@evil.example/`, `https://repo.example@evil.example/`): no user part, and
  // written as browsers read it (only a missing `/` path may be left out).
  if (url.username || url.password)
    throw new ClientInputError(field, `"${input}" must not contain a user name or password`);
  if (url.href !== input && url.href !== `${input}/`)
    throw new ClientInputError(field, `"${input}" must be written as a browser reads it: ${url.href}`);
  return input;
}

/** What an operator asks for, as typed (absent: the default). */
export interface ClientRequest {
  name?: string | undefined;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  auth?: string | undefined;
  pkce?: string | undefined;
  idTokenAlg?: string | undefined;
  subjectType?: string | undefined;
  resourceServer?: boolean;
  consent?: boolean;
}

/** The registration `addOidcClient` stores. */
export interface ClientRegistration {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  auth: ClientAuthMethod;
  pkce: PkcePolicy;
  firstParty: boolean;
  idTokenAlg: SigningAlg;
  subjectType: SubjectType;
  resourceServer: boolean;
}

/**
 * Checks a registration completely before anything is stored; throws ClientInputError on the first
 * fault. Used by `npx lanyard clients add` and the operators' console alike.
 */
export function checkClientRequest(r: ClientRequest): ClientRegistration {
  const resourceServer = r.resourceServer === true;
  const name = r.name?.trim();
  if (!name) throw new ClientInputError('name', 'missing --name');
  const redirectUris = (r.redirectUris ?? []).map((u) => redirectUri(u));
  if (redirectUris.length === 0 && !resourceServer)
    throw new ClientInputError('redirect-uri', 'missing --redirect-uri (only a --resource-server may have none)');
  const postLogoutRedirectUris = (r.postLogoutRedirectUris ?? []).map((u) =>
    redirectUri(u, 'post-logout-redirect-uri'),
  );
  const auth = (r.auth ?? 'client_secret_basic') as ClientAuthMethod;
  if (!clientAuthMethods.includes(auth))
    throw new ClientInputError('auth', `--auth must be one of ${clientAuthMethods.join(', ')}`);
  const pkce = (r.pkce ?? (auth === 'none' ? 'required' : 'optional')) as PkcePolicy;
  if (!pkcePolicies.includes(pkce))
    throw new ClientInputError('pkce', `--pkce must be one of ${pkcePolicies.join(', ')}`);
  const idTokenAlg = (r.idTokenAlg ?? 'RS256') as SigningAlg;
  if (!signingAlgs.includes(idTokenAlg))
    throw new ClientInputError('id-token-alg', `--id-token-alg must be one of ${signingAlgs.join(', ')}`);
  if (resourceServer && auth === 'none')
    throw new ClientInputError('auth', 'a --resource-server authenticates with a secret: leave out --auth none');
  if (auth === 'none' && pkce !== 'required')
    throw new ClientInputError(
      'pkce',
      'a public client (--auth none) always needs PKCE: leave out --pkce or say required',
    );
  const subjectType = (r.subjectType ?? 'public') as SubjectType;
  if (!subjectTypes.includes(subjectType))
    throw new ClientInputError('subject-type', `--subject-type must be one of ${subjectTypes.join(', ')}`);
  // The sector of a pairwise client is its redirect URIs' host: with two hosts it would be ambiguous.
  // Checked before anything is stored: a pairwise client without redirect URIs has no sector.
  if (subjectType === 'pairwise' && redirectUris.length === 0)
    throw new ClientInputError(
      'redirect-uri',
      'a pairwise client needs a --redirect-uri: its host is the sector of its subjects',
    );
  if (subjectType === 'pairwise' && new Set(redirectUris.map((u) => new URL(u).host)).size > 1)
    throw new ClientInputError(
      'redirect-uri',
      'a pairwise client needs all its --redirect-uri values on one host (its sector)',
    );
  return {
    name,
    redirectUris,
    postLogoutRedirectUris,
    auth,
    pkce,
    firstParty: r.consent !== true,
    idTokenAlg,
    subjectType,
    resourceServer,
  };
}
