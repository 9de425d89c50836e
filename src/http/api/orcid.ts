import type { Route } from '../app.js';
import { orcidCallerGuard } from './orcid-caller.js';

/**
 * `/api/orcid/…`: a researcher's ORCID record and the works repositories push to it, used by a
 * repository with an access token of Lanyard's OpenID provider (scope `orcid.works`) or by the
 * researcher in their own session. Lanyard holds the ORCID token; the repository never sees it.
 */
export const orcidRoutes: Route = (api, lanyard) => {
  const callerOf = orcidCallerGuard(lanyard);
  void api;
  void callerOf;
};
