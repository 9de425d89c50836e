import { buildHttpApp, type App, type Route } from './http/app.js';
import type { Config } from './config/schema.js';
import { type Lanyard, type OpenOptions, openLanyard } from './lanyard.js';

/** The route modules of every surface, in the order they mount. */
export const surfaces: Route[] = [];

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
