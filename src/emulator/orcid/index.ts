// Public surface of the ORCID emulator. Re-exports only.
export type {
  ClientRegistration,
  EmulatorFixtures,
  FixtureEmail,
  FixtureUser,
  FixtureWork,
  OrcidEmulatorOptions,
  Visibility,
} from './types.js';
export { createOrcidEmulatorState, OrcidEmulatorState, type EmulatorClient } from './state.js';
export { orcidEmulatorPlugin } from './plugin.js';
export { startOrcidEmulator, type OrcidEmulator } from './server.js';
export { isValidOrcid, mintOrcid, orcidCheckDigit } from './ids.js';
export { ENDPOINT_GROUPS, type EndpointGroup, type FaultSettings, type FaultSpec } from './faults.js';
export { EmulatorInputError } from './lib/errors.js';
export type { EmulatorUser } from './store/users.js';
