// The benchmark's data: a fresh database per run, and the password accounts flow (c) signs in to.
// Accounts are written through Lanyard's own stores before Lanyard starts (PGlite allows one
// process at a time, so the embedded database is seeded first and then handed over).
import pg from 'pg';
import type { Config } from '../src/config/schema.js';
import { PasswordHasher } from '../src/crypto/password.js';
import { connectDatabase } from '../src/db/connect.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createAccount } from '../src/stores/accounts.js';
import { addOidcClient } from '../src/stores/oidc-clients.js';
import { setPasswordHash } from '../src/stores/identities.js';
import type { BenchClient } from './flows/openid-provider.js';
import { BENCH_PASSWORD } from './flows/password.js';

/** Drops and creates `name` on the server of `adminUrl` (any database there, e.g. `test`). */
export async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name} with (force)`);
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.href;
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}

export const passwordEmail = (i: number) => `bench-pwd-${i}@example.org`;

/**
 * Migrates and creates `count` verified password accounts. They share one argon2id hash made with
 * Lanyard's configured parameters: verifying costs the same as with per-account salts, and seeding
 * stays quick on a small machine.
 */
export async function seedPasswordAccounts(config: Config, count: number): Promise<string[]> {
  const db = await connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(db);
    const hash = await new PasswordHasher(config.password).hash(BENCH_PASSWORD);
    const now = new Date();
    const emails: string[] = [];
    for (let i = 0; i < count; i++) {
      const account = await createAccount(
        db,
        { email: passwordEmail(i), email_verified_at: now, given_name: 'Bench', family_name: `User ${i}` },
        now,
      );
      await setPasswordHash(db, account.id, hash, now);
      emails.push(account.email);
    }
    return emails;
  } finally {
    await db.destroy();
  }
}

/** Registers the repository that flows (e) and (f) play, as `npx lanyard clients add` does. */
export async function registerBenchClient(config: Config): Promise<BenchClient> {
  const db = await connectDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(db);
    // Never fetched: the flows read the code off the redirect.
    const redirectUri = 'http://127.0.0.1:9/bench-repository/callback';
    const { client, secret } = await addOidcClient(
      db,
      { name: 'Bench repository', redirectUris: [redirectUri], auth: 'client_secret_basic' },
      new Date(),
    );
    return { clientId: client.client_id, secret: secret!, redirectUri };
  } finally {
    await db.destroy();
  }
}
