import type { OrcidEntry } from '../../config/schema.js';
import { isLanyardError } from '../../errors.js';
import { readCallback } from '../oauth/callback.js';
import type { ProviderContext } from '../registry.js';
import type { Provider } from '../provider.js';
import { labelIn } from '../labels.js';
import type { ExternalProfile } from '../profile.js';
import { OrcidClient } from './client.js';
import { orcidView } from './view.js';

/** The path DSpace registers at ORCID (DSpace's OrcidLoginFilter): a DSpace client id works unchanged. */
export const ORCID_CALLBACK_PATH = '/api/authn/orcid';

/**
 * "Sign in with ORCID": OAuth against ORCID's fixed endpoints (no PKCE: ORCID's token proxy drops
 * `code_verifier`), the iD's verified emails from the v3.0 API, and the token revoked on unlink.
 */
export function createOrcidProvider(entry: OrcidEntry, ctx: ProviderContext): Provider {
  const client = new OrcidClient(entry, `${ctx.publicUrl}${ORCID_CALLBACK_PATH}`);
  const label = 'ORCID';
  const demo = entry.env === 'emulator';
  return {
    id: entry.id,
    type: 'orcid',
    policy: { trustEmail: entry.trustEmail },
    redirectUri: client.redirectUri,
    callbackPaths: [ORCID_CALLBACK_PATH],
    startAliases: ['/login/orcid'],
    formOrigins: [new URL(entry.siteUrl).origin],
    demo,
    label: (locale) => labelIn(entry.label, locale),
    identityName: () => 'ORCID iD',
    start: (flow) => Promise.resolve({ url: client.authorizationUrl(flow), flow }),
    async finish(callback) {
      const flow = readCallback(callback, label, entry.siteUrl);
      const tokens = await client.exchange(callback.query, flow);
      const profile: ExternalProfile = {
        provider: entry.id,
        subject: tokens.orcid,
        issuer: entry.siteUrl,
        emails: [],
        givenName: tokens.givenName,
        familyName: tokens.familyName,
        displayName: tokens.name,
        tokens: {
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          scopes: tokens.scopes,
          expiresAt: tokens.expiresIn ? new Date(ctx.clock.now().getTime() + tokens.expiresIn * 1000) : null,
        },
        amr: tokens.amr,
      };
      // ORCID gives no email over OpenID Connect; the API lists the verified ones. When it fails
      // the broker decides: a known iD signs in with the emails it had, a new one cannot.
      try {
        profile.emails = await client.emails(tokens.orcid, tokens.accessToken);
      } catch (e) {
        if (!isLanyardError(e)) throw e;
        profile.emailsUnavailable = e;
      }
      return profile;
    },
    async unlink(tokens) {
      if (!tokens) return null;
      await client.revoke(tokens.accessToken);
      return true;
    },
    describe: () =>
      demo
        ? ['The built-in ORCID emulator (demo), which accepts this redirect URI:', `  ${client.redirectUri}`]
        : [
            `Register this redirect URI at ORCID ${entry.env} (Developer Tools → Redirect URIs), exactly as written:`,
            `  ${client.redirectUri}`,
          ],
    view: orcidView(entry.siteUrl, demo),
  };
}
