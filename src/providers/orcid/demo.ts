import type { Route } from '../../http/app.js';
import { fromThisMachine } from '../../http/peer.js';
import { seedDemoAccounts } from './demo-accounts.js';

export const DEMO_EMULATOR_PREFIX = '/orcid-emulator';

/**
 * Demo mode (docs/design.md, "Running it"): with no ORCID credentials, the built-in ORCID emulator is mounted on
 * Lanyard's own port, so a newcomer can click through every first-login case offline. It is
 * mounted only when the configuration points ORCID at this very prefix.
 */
export const demoEmulatorRoutes: Route = async (app, lanyard) => {
  const orcid = lanyard.config.orcid;
  const base = `${lanyard.config.publicUrl}${DEMO_EMULATOR_PREFIX}`;
  // Never beside a real database: its open admin API would let anyone sign in as any account.
  if (orcid?.env !== 'emulator' || orcid.siteUrl !== base || !lanyard.config.embedded) return;
  // The emulator (about 50 modules) loads only here, in demo mode.
  const { createOrcidEmulatorState, orcidEmulatorPlugin } = await import('../../emulator/orcid/index.js');
  // One browser tries every fixture user: the emulator always shows its user picker.
  const state = createOrcidEmulatorState({ baseUrl: base, alwaysChooseUser: true });
  // The demo client accepts this service's own callback, whatever port or host it runs on.
  state.addClient({
    clientId: orcid.clientId,
    clientSecret: orcid.clientSecret,
    redirectUris: [lanyard.config.publicUrl],
    member: true,
    name: 'Lanyard (demo)',
  });
  // Its admin API adds users with any verified email, who then sign in to the account with that
  // address: it answers only this machine (the port is open to the network, HOST 0.0.0.0), as the
  // dev mailbox does. The route matched, not the URL, decides, so no spelling of the path slips by.
  const admin = `${DEMO_EMULATOR_PREFIX}/__admin/`;
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.url?.startsWith(admin) && !fromThisMachine(request)) return reply.callNotFound();
    });
    await scope.register(orcidEmulatorPlugin, { state, prefix: DEMO_EMULATOR_PREFIX });
  });
  // The password accounts the README's linking cases start from (demo mode only: embedded database).
  if (lanyard.config.embedded) await seedDemoAccounts(lanyard);
};
