// `npm run orcid-emulator [-- --port 8081 --host 127.0.0.1 --base-url URL --fixtures file.json]`.
// Port also from ORCID_EMULATOR_PORT (default 8081), host from ORCID_EMULATOR_HOST.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startOrcidEmulator } from './server.js';
import type { EmulatorFixtures } from './types.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'base-url': { type: 'string' },
    fixtures: { type: 'string' },
    log: { type: 'boolean', default: false },
  },
});

const rawPort = values.port ?? process.env.ORCID_EMULATOR_PORT ?? '8081';
const port = Number(rawPort);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`orcid-emulator: port "${rawPort}" is not a port number (--port or ORCID_EMULATOR_PORT)`);
  process.exit(2);
}

const fixtures = values.fixtures ? (JSON.parse(readFileSync(values.fixtures, 'utf8')) as EmulatorFixtures) : undefined;
const emulator = await startOrcidEmulator({
  port,
  host: values.host ?? process.env.ORCID_EMULATOR_HOST ?? '127.0.0.1',
  ...(values['base-url'] ? { baseUrl: values['base-url'] } : {}),
  ...(fixtures ? { fixtures } : {}),
  logger: values.log ?? false,
});

const demo = [...emulator.state.clients.values()][0];
console.log(`ORCID emulator — not the real ORCID
  site / issuer   ${emulator.siteUrl}
  discovery       ${emulator.siteUrl}/.well-known/openid-configuration
  member API      ${emulator.memberApiUrl}/v3.0/{iD}/…
  public API      ${emulator.publicApiUrl}/v3.0/{iD}/…
  admin API       ${emulator.siteUrl}/__admin/
  demo client     ${demo?.clientId ?? '(none)'} / ${demo?.clientSecret ?? ''}
  users           ${emulator.state.users.size} (see ${emulator.siteUrl}/__admin/users)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void emulator.close().then(() => process.exit(0)));
}
