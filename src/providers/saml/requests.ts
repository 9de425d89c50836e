import { randomBytes } from 'node:crypto';
import { LanyardError } from '../../errors.js';
import type { FlowStateStore } from '../../stores/flow-state.js';
import type { Clock } from '../../clock.js';
import { type Idp, idpName } from './catalogue.js';
import type { SamlEntry } from './config.js';
import { isLoopback } from '../../lib/loopback.js';
import { samlFor } from './response/node-saml.js';

/** Why a sign-in was started (the seam's SignInFlow, minus the provider: the request names it). */
export interface FlowIntent {
  intent: 'sign_in' | 'link';
  returnTo: string;
  sessionId: string | null;
}

/**
 * An AuthnRequest waiting for its response, kept server-side under its ID. The response names
 * the ID in InResponseTo, inside the signed assertion, so the flow survives the IdP's cross-site
 * POST (which carries no SameSite=Lax cookie) on whichever process receives it.
 */
export interface PendingRequest extends FlowIntent {
  id: string;
  provider: string;
  idp: string;
  createdAt: string;
  /**
   * The `state` of the browser's flow (held in its flow cookie): the ACS hands the verified
   * response on to the shared callback with it, which accepts it only from that browser.
   */
  state: string;
}

export const requestKey = (id: string) => `saml:req:${id}`;
/** Left behind when a request is answered, so a replayed response is named as one. */
export const usedKey = (id: string) => `saml:used:${id}`;

/**
 * Builds the AuthnRequest for one IdP (HTTP-Redirect binding, deflated, signed when the entry
 * says so), stores it as pending, and returns the IdP's URL to send the browser to.
 */
export async function createAuthnRequest(
  deps: { store: FlowStateStore; clock: Clock },
  entry: SamlEntry,
  idp: Idp,
  intent: FlowIntent,
  state: string,
  opts: { forceAuthn?: boolean } = {},
): Promise<string> {
  // Metadata is the IdP's (in a federation, any member's) to write: an endpoint that is not https
  // (http only on loopback) is none, never a link or a Refresh target on Lanyard's pages.
  if (!idp.ssoRedirect || !webAddress(idp.ssoRedirect))
    throw new LanyardError('SAML_IDP_UNKNOWN', `${idpName(idp, 'en')} offers no HTTP-Redirect sign-in endpoint.`, {
      idp: idp.entityId,
    });
  // xs:ID must not start with a digit.
  const id = `_${randomBytes(20).toString('hex')}`;
  const request: PendingRequest = {
    ...intent,
    id,
    provider: entry.id,
    idp: idp.entityId,
    createdAt: deps.clock.now().toISOString(),
    state,
  };
  await deps.store.add(requestKey(id), request, entry.requestTtlSeconds);
  return (await samlFor(entry, idp, { requestId: id, forceAuthn: opts.forceAuthn })).getAuthorizeUrlAsync(
    '',
    undefined,
    {},
  );
}

/** An https URL, or http on this machine's loopback. */
function webAddress(location: string): boolean {
  try {
    const url = new URL(location);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
  } catch {
    return false;
  }
}
