import type { Identity } from '../db/schema.js';
import type { Locale, Translate } from '../i18n/index.js';
import type { SafeHtml } from '../lib/html.js';

/**
 * What other route modules add to the shared pages: a block on /login (the providers' buttons),
 * how identities look on /profile, and blocks on /profile (the providers' "connect" buttons). Kept
 * per app, so two apps in one process (tests) do not see each other's additions.
 */
export interface PageExtensions {
  /**
   * What the sign-in page offers besides the password form; `except`: a provider not to offer;
   * `signedIn`: the person is signed in already (asked to sign in again before a sensitive change).
   */
  login: ((ctx: {
    returnTo: string;
    t: Translate;
    locale: Locale;
    except?: string | null;
    signedIn: boolean;
  }) => SafeHtml)[];
  identityViews: Record<string, (identity: Identity, t: Translate, locale: Locale) => SafeHtml>;
  profile: ((ctx: { identities: Identity[]; t: Translate; csrf: SafeHtml; locale: Locale }) => SafeHtml)[];
}

const registry = new WeakMap<object, PageExtensions>();

export function extensionsOf(app: object): PageExtensions {
  let ext = registry.get(app);
  if (!ext) registry.set(app, (ext = { login: [], identityViews: {}, profile: [] }));
  return ext;
}
