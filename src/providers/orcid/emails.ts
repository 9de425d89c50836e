import { LanyardError } from '../../errors.js';
import type { ExternalProfile } from '../profile.js';
import { classifyProviderError } from '../oauth/errors.js';
import { providerRequest } from '../oauth/fetch.js';

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
  try {
    const res = await providerRequest(
      new URL(`${apiUrl}/v3.0/${orcid}/email`),
      { headers: { accept: 'application/json', authorization: `Bearer ${accessToken}` } },
      timeoutMs,
    );
    if (res.status >= 500 || res.status === 429)
      throw new LanyardError('PROVIDER_UNAVAILABLE', 'The ORCID API is not available right now.', ORCID);
    if (res.status < 200 || res.status > 299)
      throw new LanyardError('PROVIDER_ERROR', `The ORCID API refused to list emails (HTTP ${res.status}).`, ORCID);
    body = JSON.parse(res.body.toString('utf8')) as V3Emails;
  } catch (e) {
    if (e instanceof SyntaxError)
      throw new LanyardError('PROVIDER_ERROR', 'The ORCID API answered malformed JSON.', ORCID);
    throw classifyProviderError(e, 'ORCID');
  }
  const list = Array.isArray(body?.email) ? body.email : [];
  return list
    .filter((e) => typeof e.email === 'string' && e.verified === true)
    .map((e) => ({ address: String(e.email), verified: true, primary: e.primary === true }))
    .sort((a, b) => Number(b.primary) - Number(a.primary));
}
