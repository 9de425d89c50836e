import { scheduleHousekeeping } from './accounts/housekeeping.js';
import { loadConfig } from './config/load.js';
import { isLanyardError } from './errors.js';
import { createServer } from './server.js';

/** `npm start`: load and check the configuration, migrate, serve, and shut down gracefully. */
async function main(): Promise<void> {
  const config = loadConfig();
  const server = await createServer(config);
  await server.app.listen({ port: config.port, host: config.host });
  const stopHousekeeping = scheduleHousekeeping(server.lanyard);
  const mode = config.embedded ? `embedded database in ${config.dataDir}` : 'PostgreSQL';
  const providers = server.lanyard.providers.list;
  const signIn = providers.length
    ? providers.map((p) => (p.demo ? `${p.label('en')}: built-in emulator (demo)` : p.label('en'))).join(', ')
    : 'passwords only';
  const took = `started in ${process.uptime().toFixed(1)} s`;
  process.stdout.write(`\nLanyard is running at ${config.publicUrl}/login  (${mode}; ${signIn}; ${took})\n\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.lanyard.log.info({ signal }, 'shutting down: finishing in-flight requests');
    stopHousekeeping();
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (e) => {
        server.lanyard.log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e) => {
  process.stderr.write(
    isLanyardError(e)
      ? `Lanyard cannot start: ${e.message}\n`
      : `Lanyard cannot start: ${(e as Error).stack ?? String(e)}\n`,
  );
  process.exit(1);
});
