// grant_type=client_credentials: the 2-legged `/read-public` token (tutorial/read_public.md;
// docs/design.md, ORCID §1.3-§1.4).
import type { FastifyReply } from 'fastify';
import { clientCredentialScopes, splitScopes } from '../lib/scopes.js';
import type { EmulatorClient, OrcidEmulatorState } from '../state.js';
import { ACCESS_TOKEN_LIFETIME_MS, sendTokenResponse } from './response.js';

export async function clientCredentialsGrant(
  state: OrcidEmulatorState,
  client: EmulatorClient,
  form: URLSearchParams,
  reply: FastifyReply,
): Promise<FastifyReply> {
  // Scopes a 2-legged token cannot carry are dropped silently (src@legacy
  // `OrcidClientCredentialEndPointDelegatorImpl`); nothing left means `/read-public`.
  const grant = state.tokens.issue({
    clientId: client.clientId,
    orcid: null,
    scopes: clientCredentialScopes(splitScopes(form.get('scope')), client.member),
    expiresAt: state.now() + ACCESS_TOKEN_LIFETIME_MS,
    fromCode: null,
    nonce: null,
    authTime: null,
  });
  return sendTokenResponse(state, reply, grant, { client, withIdToken: false });
}
