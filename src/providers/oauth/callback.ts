import { LanyardError } from '../../errors.js';

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
export function checkCallbackQuery(query: URLSearchParams, issuer: string): void {
  const refuse = (why: string) => {
    throw new LanyardError('OAUTH_CALLBACK_INVALID', `The sign-in response was altered (${why}). Start again.`);
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
