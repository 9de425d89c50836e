import { LanyardError } from '../../errors.js';
import type { CallbackInput } from '../provider.js';
import type { OAuthFlow } from './state.js';

/** RFC 6749 §4.1.2.1: the only `error` values an authorization server redirects with. */
const oauthErrors = new Set([
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
]);

/** Parameters of flows Lanyard never asks for: implicit or hybrid tokens, a JARM response. */
const foreign = ['id_token', 'token', 'access_token', 'response'];

/**
 * A callback query no authorization server sends — a parameter twice, an empty code, another
 * issuer, tokens of a flow never asked for, an `error` OAuth does not define — was changed by
 * the client on its way back: the client's fault (400 OAUTH_CALLBACK_INVALID), not the
 * provider's (502 PROVIDER_ERROR). Checked before the state and before any call to the provider.
 */
export function checkCallbackQuery(query: URLSearchParams, issuer: string, provider = ''): void {
  const refuse = (why: string) => {
    throw new LanyardError('OAUTH_CALLBACK_INVALID', `The sign-in response was altered (${why}). Start again.`, {
      provider,
    });
  };
  const names = [...query.keys()];
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) refuse(`${repeated.slice(0, 40)} sent twice`);
  const error = query.get('error');
  if (error !== null && !oauthErrors.has(error)) refuse('an unknown error');
  const code = query.get('code');
  if (code !== null && !/^[\x21-\x7E]{1,2048}$/.test(code)) refuse('an unusable code');
  const iss = query.get('iss');
  if (iss !== null && iss !== issuer) refuse('another issuer');
  const extra = foreign.find((name) => query.has(name));
  if (extra !== undefined) refuse(`an unexpected ${extra}`);
}

/**
 * The OAuth callback's first checks, in the order that gives each case its own page: a query no
 * provider sends (altered on the way), an `error` (providers may redirect it without `state`),
 * then no answer at all (an error sent in the URL fragment never reaches the server), then this
 * browser's flow and its `state`.
 */
export function readCallback(callback: CallbackInput, provider: string, issuer: string): OAuthFlow {
  const { query } = callback;
  checkCallbackQuery(query, issuer, provider);
  if (query.has('error')) {
    const error = query.get('error')!.slice(0, 100);
    throw error === 'access_denied'
      ? new LanyardError('PROVIDER_ACCESS_DENIED', `Access was denied on ${provider}.`, { provider })
      : new LanyardError('PROVIDER_ERROR', `${provider} reported an error: ${error}.`, { provider, error });
  }
  if (!query.has('code')) throw new LanyardError('OAUTH_CALLBACK_EMPTY', `${provider} sent no answer.`, { provider });
  return callback.flow();
}
