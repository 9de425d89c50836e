// Client authentication shared by the token and revoke endpoints (docs/design.md, ORCID §1.4-§1.5).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { invalidClient, oauthError } from '../lib/errors.js';
import { clientCredentials } from '../lib/request.js';
import type { EmulatorClient, OrcidEmulatorState } from '../state.js';

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * The authenticated client, or null after answering the error. A missing `client_id` or
 * `client_secret` is 401 `invalid_request` "<name> is required" (the web proxy's
 * `AuthorizationServerUtil.addToMapOrThrow`, forced to 401); a wrong one is 401 `invalid_client`.
 */
export function authenticateClient(
  state: OrcidEmulatorState,
  request: FastifyRequest,
  form: URLSearchParams,
  reply: FastifyReply,
): EmulatorClient | null {
  const { clientId, clientSecret } = clientCredentials(request, form);
  if (!clientId) {
    oauthError(reply, 401, 'invalid_request', 'client_id is required');
    return null;
  }
  if (!clientSecret) {
    oauthError(reply, 401, 'invalid_request', 'client_secret is required');
    return null;
  }
  const client = state.clients.get(clientId);
  if (!client || !sameSecret(client.clientSecret, clientSecret)) {
    invalidClient(reply);
    return null;
  }
  return client;
}
