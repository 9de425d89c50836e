import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { LanyardError } from '../../errors.js';
import type { Lanyard } from '../../lanyard.js';
import { ORCID_WORKS_SCOPE } from '../../openid-provider/claims.js';
import { CurrentProvider } from '../../openid-provider/current.js';
import { canSignIn, findAccountById } from '../../stores/accounts.js';
import { DPOP_ALGORITHMS } from '../../openid-provider/provider.js';
import { bearerOf, credentialOf, schemeOf } from './bearer.js';
import { DPOP_CHALLENGE, verifyDpopProof } from './dpop.js';

export { ORCID_WORKS_SCOPE };

/**
 * Who calls `/api/orcid/…`: a repository with an access token for the researcher (`clientId` is
 * its OpenID client id), or the researcher in their own session (`clientId` null).
 */
export interface OrcidCaller {
  accountId: string;
  clientId: string | null;
}

/**
 * The ORCID API's challenge to a caller that sent no token (RFC 6750 §3: no error code then): a
 * Bearer token, or a token bound to the repository's key with its DPoP proof (RFC 9449 §7.1).
 */
export const ORCID_API_CHALLENGE = `Bearer realm="Lanyard ORCID API", scope="${ORCID_WORKS_SCOPE}", ${DPOP_CHALLENGE}`;

type Scheme = 'Bearer' | 'DPoP';

const invalidToken = (reply: FastifyReply, scheme: Scheme, why: string) => {
  // Under either scheme the client learns that a DPoP credential is taken too, and with which keys.
  const dpop = scheme === 'DPoP' ? `, algs="${DPOP_ALGORITHMS.join(' ')}"` : `, ${DPOP_CHALLENGE}`;
  reply.header('www-authenticate', `${scheme} error="invalid_token", error_description="${why}"${dpop}`);
  return new LanyardError('ACCESS_TOKEN_INVALID', `The access token is not valid: ${why}.`);
};

/**
 * The guard of `/api/orcid/…`. Accepts either
 * - an access token Lanyard's OpenID provider issued, looked up through the provider's own
 *   AccessToken model: it must exist, be unexpired, belong to a client that still exists, carry
 *   the `orcid.works` scope, and its grant must still stand (withdrawn on /profile → refused) for
 *   an account that may still sign in; the account is the token's subject. A token bound to the
 *   repository's key (DPoP, RFC 9449) comes as `Authorization: DPoP` with its proof in the `DPoP`
 *   header (src/http/api/dpop.ts), any other as `Authorization: Bearer`; or
 * - the researcher's own session (cookie, or DSpace's Bearer of a session, which the API's hook
 *   already resolved into `request.auth`; the API's CSRF rule applies to its writes).
 * Anything else: 401 `ACCESS_TOKEN_INVALID` for a token that is none of these (or comes under the
 * other scheme), `DPOP_PROOF_INVALID` for a bound token without a good proof, `AUTH_REQUIRED`
 * without credentials, 403 `ACCESS_TOKEN_SCOPE` for a token without `orcid.works`.
 */
export function orcidCallerGuard(lanyard: Lanyard) {
  let current: CurrentProvider | undefined;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<OrcidCaller> => {
    if (request.auth) return { accountId: request.auth.account.id, clientId: null };
    const bearer = bearerOf(request);
    const bound = bearer === null ? credentialOf(request, 'DPoP') : null;
    const scheme: Scheme = bound === null ? 'Bearer' : 'DPoP';
    const presented = bearer ?? bound;
    if (presented === null) {
      // A credential that is no token (over-long, or with spaces) is a bad token, not none.
      const sent = schemeOf(request);
      if (sent === 'bearer' || sent === 'dpop')
        throw invalidToken(reply, sent === 'dpop' ? 'DPoP' : 'Bearer', 'malformed');
      // RFC 9110 §15.5.2: a 401 names how to authenticate; RFC 6750 §3: no error code when none was sent.
      reply.header('www-authenticate', ORCID_API_CHALLENGE);
      throw new LanyardError('AUTH_REQUIRED', 'Send an access token with the orcid.works scope, or sign in.');
    }
    current ??= new CurrentProvider(lanyard);
    const provider = await current.get();
    // Expiry is Lanyard's clock's (the provider's storage, src/stores/oidc-payloads.ts, forgets an
    // expired token), as for every token the provider itself accepts.
    const token = await provider.AccessToken.find(presented);
    if (!token) throw invalidToken(reply, scheme, 'unknown or expired');
    if (!token.clientId || !token.accountId || !token.grantId)
      throw invalidToken(reply, scheme, 'not issued for a person');
    // A token bound to the repository's key (DPoP, RFC 9449) is worth something only with a proof of
    // that key: presented as Bearer, alone, it is a copy, maybe a stolen one (RFC 9449 §7.2). A
    // token bound to nothing proves nothing by a proof: it is a Bearer token.
    if (scheme === 'Bearer' && token.isSenderConstrained())
      throw invalidToken(reply, scheme, 'bound to a key (DPoP); send it as "Authorization: DPoP" with its proof');
    if (scheme === 'DPoP' && !token.jkt) throw invalidToken(reply, scheme, 'bound to no key; send it as Bearer');
    // A token for another audience (a resource server's) is not one for this API.
    if (token.aud !== undefined) throw invalidToken(reply, scheme, 'issued for another audience');
    if (scheme === 'DPoP')
      await verifyDpopProof(lanyard, request, reply, { value: presented, clientId: token.clientId, jkt: token.jkt! });
    const [client, grant, account] = await Promise.all([
      provider.Client.find(token.clientId),
      provider.Grant.find(token.grantId),
      findAccountById(lanyard.db, token.accountId),
    ]);
    if (!client) throw invalidToken(reply, scheme, 'its client no longer exists');
    if (!grant || grant.accountId !== token.accountId || grant.clientId !== token.clientId)
      throw invalidToken(reply, scheme, 'the grant was withdrawn');
    if (!account || !canSignIn(account)) throw invalidToken(reply, scheme, 'the account is disabled');
    if (!token.scopes.has(ORCID_WORKS_SCOPE)) {
      reply.header('www-authenticate', `${scheme} error="insufficient_scope", scope="${ORCID_WORKS_SCOPE}"`);
      throw new LanyardError('ACCESS_TOKEN_SCOPE', `The access token was not granted the ${ORCID_WORKS_SCOPE} scope.`, {
        scope: ORCID_WORKS_SCOPE,
      });
    }
    return { accountId: account.id, clientId: token.clientId };
  };
}

const apiGuards = new WeakMap<App, (request: FastifyRequest, reply: FastifyReply) => Promise<OrcidCaller>>();

/**
 * The guard of every `/api/orcid/…` route: the caller (above), counted against its limit
 * (`LANYARD_RATE_ORCID_API_PER_MINUTE`), and ORCID switched on. A caller is a repository for one
 * researcher, or the researcher's own session, whatever address it comes from, so a repository
 * pushing a batch through one server is not cut off by a per-address limit and one repository's
 * calls never use up another's. Reading the record counts too: each read may be a call to ORCID
 * under Lanyard's client, whose own limit at ORCID every researcher's sign-in shares. One guard per
 * API context, so the works and the record draw on one budget; the count is the rate limiter's (in
 * Redis when set, so shared by every process). Over it: 429 `RATE_LIMITED` with `Retry-After`, and
 * nothing is queued or read.
 */
export function orcidApiGuard(api: App, lanyard: Lanyard) {
  const known = apiGuards.get(api);
  if (known) return known;
  const callerOf = orcidCallerGuard(lanyard);
  const limitKeys = new WeakMap<FastifyRequest, string>();
  const limit = api.createRateLimit({
    max: lanyard.config.rateLimit.orcidApiPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => limitKeys.get(request)!,
  });
  const guard = async (request: FastifyRequest, reply: FastifyReply): Promise<OrcidCaller> => {
    const caller = await callerOf(request, reply);
    limitKeys.set(
      request,
      `orcid-api:${caller.clientId === null ? 'session' : `client:${caller.clientId}`}:${caller.accountId}`,
    );
    const counted = await limit(request);
    if (!counted.isAllowed && counted.isExceeded) {
      const retryAfterSeconds = Math.max(1, counted.ttlInSeconds);
      reply.header('retry-after', String(retryAfterSeconds));
      throw new LanyardError('RATE_LIMITED', 'Too many calls to the ORCID API for this researcher; slow down.', {
        retryAfterSeconds,
      });
    }
    if (!lanyard.config.orcid) throw new LanyardError('PROVIDER_NOT_CONFIGURED', 'ORCID is not set up here.');
    return caller;
  };
  apiGuards.set(api, guard);
  return guard;
}
