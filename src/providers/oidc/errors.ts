import { isLanyardError, LanyardError } from '../../errors.js';
import { classifyProviderError } from '../oauth/errors.js';

interface Chain {
  codes: string[];
  messages: string;
  claim: string | undefined;
}

/** openid-client wraps oauth4webapi's errors (and those jose's): read codes, messages and claim down the cause chain. */
function chainOf(e: unknown): Chain {
  const chain: Chain = { codes: [], messages: '', claim: undefined };
  for (let cur = e as Record<string, unknown> | undefined, i = 0; cur && typeof cur === 'object' && i < 5; i++) {
    if (typeof cur.code === 'string') chain.codes.push(cur.code);
    if (typeof cur.message === 'string') chain.messages += ` ${cur.message}`;
    if (typeof cur.claim === 'string') chain.claim ??= cur.claim;
    cur = cur.cause as Record<string, unknown> | undefined;
  }
  return chain;
}

/**
 * openid-client's refusals, sorted into pages: a callback or ID token that does not belong to
 * this browser's flow is the browser's problem (4xx, start again); an ID token or userinfo the IdP
 * should never have sent is the IdP's (502, tell the managers); the rest as for every OAuth peer.
 */
export function classifyOidcError(e: unknown, provider: string): LanyardError {
  if (isLanyardError(e)) return e;
  const { codes, messages, claim } = chainOf(e);
  const has = (code: string) => codes.includes(code);
  const details = { provider };
  if (has('OAUTH_JWT_CLAIM_COMPARISON_FAILED') && claim === 'nonce')
    return new LanyardError('OIDC_NONCE_MISMATCH', `${provider}'s ID token belongs to another sign-in.`, details, {
      cause: e,
    });
  if (has('OAUTH_INVALID_RESPONSE') && /"iss" \(issuer\) (response parameter|missing)|parameter "iss"/.test(messages))
    return new LanyardError('OIDC_ISSUER_MISMATCH', `The answer did not come from ${provider}.`, details, { cause: e });
  if (has('OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') && /"sub"/.test(messages))
    return new LanyardError('OIDC_USERINFO_MISMATCH', `${provider}'s userinfo is about someone else.`, details, {
      cause: e,
    });
  if (
    ['OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'OAUTH_KEY_SELECTION_FAILED'].some(has) ||
    codes.some((c) => c.startsWith('ERR_JWS') || c.startsWith('ERR_JWT') || c.startsWith('ERR_JWK')) ||
    /ID Token|JWT|JWS|signature/i.test(messages)
  )
    return new LanyardError('OIDC_ID_TOKEN_INVALID', `${provider} sent an ID token that cannot be accepted.`, details, {
      cause: e,
    });
  return classifyProviderError(e, provider);
}
