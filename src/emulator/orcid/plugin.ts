// The emulator as a Fastify plugin: every route relative to the mount prefix, so it can run
// standalone at `/` or inside another app, e.g. under `/orcid-emulator` (then the state's
// `baseUrl` must end in that prefix).
import type { FastifyPluginAsync } from 'fastify';
import { adminRoutes } from './routes/admin.js';
import { apiRoutes } from './routes/api.js';
import { authorizeRoutes } from './routes/authorize.js';
import { discoveryRoutes } from './routes/discovery.js';
import { registerFaultHooks } from './routes/fault-hooks.js';
import { recordPageRoutes } from './routes/record-page.js';
import { revokeRoutes } from './routes/revoke.js';
import { tokenRoutes } from './routes/token.js';
import { userinfoRoutes } from './routes/userinfo.js';
import type { OrcidEmulatorState } from './state.js';

/**
 * Registers the site (`/oauth/*`, discovery), the Member API (`/member-api/v3.0/*`), the
 * Public API (`/pub-api/v3.0/*`) and the admin API (`/__admin/*`).
 * @example
 * const state = createOrcidEmulatorState({ baseUrl: 'http://localhost:3000/orcid-emulator' });
 * await app.register(orcidEmulatorPlugin, { state, prefix: '/orcid-emulator' });
 */
export const orcidEmulatorPlugin: FastifyPluginAsync<{ state: OrcidEmulatorState }> = async (app, { state }) => {
  // Bodies reach the routes as raw strings: ORCID's endpoints each decide what they accept
  // (the token endpoint's 415 for JSON), and a host app's own parsers must not interfere.
  // Encapsulated: this affects only the emulator's routes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1 << 20 }, (_request, body, done) => done(null, body));
  registerFaultHooks(app, state);

  await app.register(discoveryRoutes, { state });
  await app.register(authorizeRoutes, { state });
  await app.register(tokenRoutes, { state });
  await app.register(revokeRoutes, { state });
  await app.register(userinfoRoutes, { state });
  await app.register(apiRoutes, { state, api: 'member', prefix: '/member-api' });
  await app.register(apiRoutes, { state, api: 'public', prefix: '/pub-api' });
  await app.register(adminRoutes, { state, prefix: '/__admin' });
  await app.register(recordPageRoutes, { state });
};
