import { TestClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger, type OpenOptions } from '../../src/lanyard.js';
import { type OrcidEmulator, startOrcidEmulator } from '../../src/emulator/orcid/index.js';
import { createServer, type Server } from '../../src/server.js';
import { Browser } from './browser.js';
import { type Backend, freshPostgresDatabase } from './databases.js';
import { MailCatcher } from './mail-catcher.js';
import { migratedPgliteImage } from './pglite-image.js';

export const TEST_SECRET = 'a'.repeat(64);
export const PUBLIC_URL = 'http://lanyard.test';
export const TEST_ORCID_CLIENT = { clientId: 'APP-LANYARDTEST00001', clientSecret: 'lanyard-test-secret' } as const;
/**
 * Settings for a test app that signs in with ORCID through an emulator the test support starts on
 * its own port; Lanyard reaches it as a `custom` ORCID (the built-in one is for the demo database only).
 */
export const withOrcid: Record<string, string> = { LANYARD_ORCID_ENV: 'emulator' };

export interface TestApp extends Server {
  backend: Backend;
  /** The ORCID emulator this app signs in with (real HTTP on loopback), when started with ORCID. */
  orcid: OrcidEmulator | null;
  config: Config;
  clock: TestClock;
  mail: MailCatcher;
  browser(): Browser;
  close(): Promise<void>;
}

/** The settings every test Lanyard starts from: quiet, generous limits, mail to `smtpUrl`, ORCID off. */
export function testEnv(smtpUrl: string): Record<string, string> {
  return {
    LANYARD_PUBLIC_URL: PUBLIC_URL,
    LANYARD_SECRET_KEY: TEST_SECRET,
    LANYARD_SMTP_URL: smtpUrl,
    LANYARD_DATA_DIR: 'memory://',
    LANYARD_ORCID_ENV: 'off',
    LANYARD_LOG_LEVEL: process.env.LANYARD_TEST_LOG ?? 'silent',
    LANYARD_RATE_SIGNIN_PER_MINUTE: '10000',
    LANYARD_RATE_TOKEN_PER_MINUTE: '10000',
    LANYARD_RATE_MAIL_PER_HOUR: '1000',
  };
}

/**
 * A whole Lanyard on a fresh database of the given backend, with a real SMTP catcher and an
 * injected clock. `env` adds or overrides LANYARD_* settings.
 */
export async function createTestApp(
  backend: Backend,
  env: Record<string, string> = {},
  opts: Pick<OpenOptions, 'backgroundTickMs' | 'log'> = {},
): Promise<TestApp> {
  const mail = await new MailCatcher().start();
  const orcid = env.LANYARD_ORCID_ENV === 'emulator' ? await startOrcidEmulator({ logger: false }) : null;
  if (orcid) {
    orcid.state.addClient({
      clientId: TEST_ORCID_CLIENT.clientId,
      clientSecret: TEST_ORCID_CLIENT.clientSecret,
      redirectUris: [env.LANYARD_PUBLIC_URL ?? PUBLIC_URL],
      member: true,
    });
    env = {
      LANYARD_ORCID_SITE_URL: orcid.siteUrl,
      LANYARD_ORCID_API_URL: orcid.memberApiUrl,
      LANYARD_ORCID_CLIENT_ID: TEST_ORCID_CLIENT.clientId,
      LANYARD_ORCID_CLIENT_SECRET: TEST_ORCID_CLIENT.clientSecret,
      ...env,
      LANYARD_ORCID_ENV: 'custom',
    };
  }
  let pg: Awaited<ReturnType<typeof freshPostgresDatabase>> | null = null;
  try {
    pg = backend === 'postgres' ? await freshPostgresDatabase() : null;
    const config = loadConfig({ ...testEnv(mail.url), ...(pg ? { LANYARD_DATABASE_URL: pg.url } : {}), ...env });
    if (!pg) config.dataDir = 'memory://';
    const clock = new TestClock();
    const server = await createServer(config, {
      clock,
      log: createLogger(config.logLevel),
      mailPollMs: 100,
      ...opts,
      ...(pg ? {} : { databaseImage: await migratedPgliteImage() }),
    });
    return {
      ...server,
      backend,
      orcid,
      config,
      clock,
      mail,
      browser: () => new Browser(server.app, PUBLIC_URL),
      async close() {
        await server.close();
        await mail.stop();
        await orcid?.close();
        await pg?.drop();
      },
    };
  } catch (e) {
    // What did start must stop, or its listening sockets keep the test process alive for ever.
    await mail.stop();
    await orcid?.close();
    await pg?.drop();
    throw e;
  }
}
