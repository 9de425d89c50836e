import * as oidc from 'openid-client';
import { isLanyardError, LanyardError } from '../../errors.js';

/**
 * Sorts what can go wrong talking to a provider into the three pages a person can act on:
 * the code was refused (start again), the provider is down or slow (try later), or the provider
 * answered something we cannot accept (tell the managers).
 */
export function classifyProviderError(e: unknown, provider: string): LanyardError {
  if (isLanyardError(e)) return e;
  if (e instanceof oidc.ResponseBodyError) {
    if (e.status >= 500)
      return new LanyardError(
        'PROVIDER_UNAVAILABLE',
        `${provider} is not available right now.`,
        { provider },
        {
          cause: e,
        },
      );
    if (e.error === 'invalid_grant')
      return new LanyardError(
        'OAUTH_CODE_INVALID',
        `${provider} refused the sign-in code (expired or already used).`,
        { provider },
        { cause: e },
      );
    return new LanyardError(
      'PROVIDER_ERROR',
      `${provider} refused the request (${e.error}).`,
      { provider, error: e.error },
      { cause: e },
    );
  }
  const err = e as { name?: string; code?: string; cause?: unknown; message?: string };
  const cause = err.cause as { code?: string; status?: number } | undefined;
  const network =
    err.code === 'OAUTH_TIMEOUT' ||
    err.name === 'TimeoutError' ||
    err.name === 'AbortError' ||
    (err.name === 'TypeError' && /fetch failed/.test(err.message ?? '')) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(
      cause?.code ?? '',
    ) ||
    (typeof cause === 'object' && cause !== null && 'status' in cause && Number(cause.status) >= 500);
  if (network)
    return new LanyardError(
      'PROVIDER_UNAVAILABLE',
      `${provider} is not available right now.`,
      { provider },
      { cause: e },
    );
  return new LanyardError('PROVIDER_ERROR', `${provider} answered something unexpected.`, { provider }, { cause: e });
}
