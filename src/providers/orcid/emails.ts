import { LanyardError } from '../../errors.js';
import type { ExternalProfile } from '../profile.js';
import { classifyProviderError } from '../oauth/errors.js';
import { timeoutSignal } from '../../lib/timeout.js';

const ORCID = { provider: 'ORCID' };

interface V3Emails {
  email?: { email?: unknown; verified?: unknown; primary?: unknown }[];
}

/**
 * GET {api}/v3.0/{iD}/email (docs/design.md, ORCID §2.2). `Accept: application/json` is required: without
 * it ORCID answers XML. Only verified addresses count (unverified ones should not be listed, but
 * the flag is checked anyway); the primary one comes first.
 */
export async function fetchVerifiedEmails(
  apiUrl: string,
  orcid: string,
  accessToken: string,
  timeoutMs: number,
): Promise<ExternalProfile['emails']> {
  let body: V3Emails;
  const timeout = timeoutSignal(timeoutMs);
  try {
    const res = await fetch(`${apiUrl}/v3.0/${orcid}/email`, {
      headers: { accept: 'application/json', authorization: `Bearer ${accessToken}` },
      signal: timeout.signal,
    });
    if (!res.ok) await res.body?.cancel(); // release the connection now, not when collected
    if (res.status >= 500 || res.status === 429)
      throw new LanyardError('PROVIDER_UNAVAILABLE', 'The ORCID API is not available right now.', ORCID);
    if (!res.ok)
      throw new LanyardError('PROVIDER_ERROR', `The ORCID API refused to list emails (HTTP ${res.status}).`, ORCID);
    body = (await res.json()) as V3Emails;
  } catch (e) {
    if (e instanceof SyntaxError)
      throw new LanyardError('PROVIDER_ERROR', 'The ORCID API answered malformed JSON.', ORCID);
    throw classifyProviderError(e, 'ORCID');
  } finally {
    timeout.clear();
  }
  const list = Array.isArray(body.email) ? body.email : [];
  return list
    .filter((e) => typeof e.email === 'string' && e.verified === true)
    .map((e) => ({ address: String(e.email), verified: true, primary: e.primary === true }))
    .sort((a, b) => Number(b.primary) - Number(a.primary));
}
