import type { Config } from '../config/schema.js';
import { isLanyardError, LanyardError } from '../errors.js';

/**
 * Where links for a person go: Lanyard's own pages, or — with `LANYARD_UI_URL` (DSpace's
 * `dspace.ui.url`) and a flow the UI drives through the REST API — the UI's routes of the same
 * names (`/external-login/…`, `/review-account/…`, `/register/…`, `/forgot/…`), as DSpace links them.
 */
export function linkBase(config: Pick<Config, 'publicUrl' | 'uiUrl'>, viaUi: boolean): string {
  return viaUi && config.uiUrl ? config.uiUrl : config.publicUrl;
}

/**
 * Whether a sign-in was started for the UI: its return target is on one of the UI's origins
 * (`LANYARD_UI_URL`, `LANYARD_CORS_ORIGINS`). Such a sign-in continues on the UI.
 */
export function returnsToUi(config: Pick<Config, 'uiUrl' | 'corsOrigins'>, returnTo: string): boolean {
  if (!config.uiUrl) return false;
  try {
    return config.corsOrigins.includes(new URL(returnTo).origin);
  } catch {
    return false;
  }
}

/**
 * A REST refusal of a mailed link in a browser that has not proved its identity
 * (IDENTITY_PROOF_REQUIRED) names Lanyard's own page of that link, `details.continueAt`: there the
 * person signs in with the provider on this device, then finishes. Use as `.catch(…)`.
 */
export function withProofPage(config: Pick<Config, 'publicUrl'>, token: string | undefined) {
  return (e: unknown): never => {
    if (isLanyardError(e) && e.code === 'IDENTITY_PROOF_REQUIRED' && token && typeof e.details?.page === 'string') {
      const { page, ...details } = e.details;
      const continueAt = `${config.publicUrl}/${page}/${encodeURIComponent(token)}`;
      throw new LanyardError(e.code, e.message, { ...details, continueAt }, { cause: e.cause, status: e.status });
    }
    throw e;
  };
}
