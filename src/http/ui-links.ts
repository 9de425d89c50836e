import type { Config } from '../config/schema.js';

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
