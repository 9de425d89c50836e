import { apiRoutes } from './http/api/routes.js';
import { buildHttpApp, type App, type Route } from './http/app.js';
import { demoEmulatorRoutes } from './providers/orcid/demo.js';
import { externalLoginRoutes } from './http/pages/external-login.js';
import { metricsRoutes } from './http/pages/metrics.js';
import { providerRoutes } from './http/pages/providers.js';
import { openIdProviderRoutes } from './openid-provider/routes.js';
import { reviewAccountRoutes } from './http/pages/review-account.js';
import type { Config } from './config/schema.js';
import { type Lanyard, type OpenOptions, openLanyard } from './lanyard.js';

/** The route modules beyond the password pages, in the order they mount. */
export const surfaces: Route[] = [
  providerRoutes,
  externalLoginRoutes,
  reviewAccountRoutes,
  demoEmulatorRoutes,
  metricsRoutes,
  apiRoutes,
  openIdProviderRoutes,
];

export interface Server {
  app: App;
  lanyard: Lanyard;
  close(): Promise<void>;
}

/** Assembles Lanyard: domain services, then every HTTP surface on one Fastify app. */
export async function createServer(config: Config, opts: OpenOptions = {}): Promise<Server> {
  const lanyard = await openLanyard(config, opts);
  const app = await buildHttpApp(lanyard, { routes: surfaces });
  return {
    app,
    lanyard,
    async close() {
      // Fastify stops accepting connections and waits for in-flight requests before closing.
      await app.close();
      await lanyard.close();
    },
  };
}
