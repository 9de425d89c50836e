import { availableParallelism } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LanyardError } from '../errors.js';
import { isLoopback } from '../lib/loopback.js';
import { readOutboundProxy } from '../lib/outbound-proxy.js';
import { knownScopes, memberScopes, orcidPresets } from './orcid-presets.js';
import { readOidcEntry } from '../providers/oidc/config.js';
import { readShibbolethHeadersEntry } from '../providers/shibboleth-headers/config.js';
import { readSamlEntry } from '../providers/saml/config.js';
import { camelName, checkEverySettingUsed, settingNames, settingOfFileKey } from './settings.js';
import { type EntryReader, readProviders } from './providers.js';
import type { Config, OrcidConfig, OrcidEntry, OrcidEnv, RegistrationType, SecretKey } from './schema.js';

/** The client the built-in ORCID emulator knows (src/emulator/orcid/fixtures.json). */
export const demoOrcidClient = { clientId: 'APP-LANYARDDEMO00001', clientSecret: 'lanyard-demo-secret' } as const;

type Source = Record<string, unknown>;

/**
 * Configuration = defaults ← JSON file (LANYARD_CONFIG, else ./lanyard.config.json if present) ← environment.
 * File keys are the environment names without the LANYARD_ prefix, in camelCase or as written
 * (`port`, `PORT`, `LANYARD_PORT` all work), so one vocabulary serves both.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Source = {}): Config {
  const file = readConfigFile(env);
  const read = new Set<string>();
  const get = (name: string): unknown => {
    // A name missing from settingNames would be refused in the config file and never checked.
    if (!settingNames.includes(name))
      throw new Error(`setting ${name} is read but not listed in src/config/settings.ts`);
    read.add(name);
    const key = `LANYARD_${name}`;
    if (key in overrides) return overrides[key];
    if (env[key] !== undefined && env[key] !== '') return env[key];
    return file[key] ?? file[name] ?? file[camelName(name)];
  };
  const r = reader(get);
  const config = readConfig(r, env);
  const given = [
    ...settingNames.filter((name) => `LANYARD_${name}` in overrides || (env[`LANYARD_${name}`] ?? '') !== ''),
    ...Object.keys(file).map((key) => settingOfFileKey(key) ?? key),
  ];
  checkEverySettingUsed(Object.keys(file), given, read);
  return config;
}

function readConfig(r: Reader, env: NodeJS.ProcessEnv): Config {
  const port = r.int('PORT', 3000, 0, 65535);
  const host = r.str('HOST', '0.0.0.0');
  const publicUrl = r.url('PUBLIC_URL', `http://localhost:${port}`).replace(/\/+$/, '');
  const databaseUrl = r.optional('DATABASE_URL', (v) => {
    if (!/^postgres(ql)?:\/\//.test(v))
      throw fix(
        'DATABASE_URL',
        `must be a postgres:// URL, got "${v}"`,
        'use postgres://user@host:5432/db, or unset it for the embedded database',
      );
    return v;
  });
  const rawDataDir = r.str('DATA_DIR', './data');
  const dataDir = resolve(rawDataDir);
  const smtpUrl = r.optional('SMTP_URL', (v) => {
    // The mail worker reads it as a URL (to add its timeouts), so it must be one, not only look like one.
    if (!/^smtps?:\/\/[^/]+/.test(v) || !URL.canParse(v))
      throw fix(
        'SMTP_URL',
        `must look like smtp://host:port, got "${v}"`,
        'use smtp://user:pass@host:587 or smtps://host:465',
      );
    return v;
  });
  const embedded = databaseUrl === null;
  if (!embedded && smtpUrl === null && r.bool('REQUIRE_SMTP', true)) {
    throw fix(
      'SMTP_URL',
      'is required with PostgreSQL (production mode)',
      'set LANYARD_SMTP_URL=smtp://host:port, or LANYARD_REQUIRE_SMTP=false to keep mail in the outbox',
    );
  }
  const origin = (key: string, o: string) => {
    let url: URL | null = null;
    try {
      url = new URL(o);
    } catch {
      /* reported below */
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      throw fix(
        key,
        `"${o}" is not an http(s) URL`,
        'write origins like https://repository.example.org, comma-separated',
      );
    return url.origin;
  };
  const uiUrl = r.optional('UI_URL', (v) => {
    origin('UI_URL', v);
    return v.replace(/\/+$/, '');
  });
  const corsOrigins = [
    ...new Set([
      ...(uiUrl ? [new URL(uiUrl).origin] : []),
      ...r.list('CORS_ORIGINS').map((o) => origin('CORS_ORIGINS', o)),
    ]),
  ];
  const orcid = readOrcid(r, publicUrl, embedded);
  const providers = readProviders(r.value('PROVIDERS'), {
    shorthand: orcid && { ...orcid, id: 'orcid', type: 'orcid', label: { en: 'ORCID' } },
    publicUrl,
    embedded,
    dataDir: rawDataDir === 'memory://' ? 'memory://' : dataDir,
    readers: {
      orcid: { read: readOrcidEntry, trustEmail: true, label: 'ORCID' },
      oidc: { read: readOidcEntry, trustEmail: false },
      'shibboleth-headers': { read: readShibbolethHeadersEntry, trustEmail: false },
      saml: { read: readSamlEntry, trustEmail: false },
    },
  });
  const secretKeys = readSecretKeys(r.str('SECRET_KEY', ''), r.str('SECRET_KEYS_PREVIOUS', ''), embedded, dataDir);
  const ttl = (type: RegistrationType, dflt: number) => r.int(`TOKEN_TTL_${type}`, dflt, 60, 90 * 86400);

  return {
    port,
    host,
    publicUrl,
    secureCookies: publicUrl.startsWith('https:'),
    databaseUrl,
    dataDir,
    smtpUrl,
    mailFrom: r.str('MAIL_FROM', `Lanyard <no-reply@${new URL(publicUrl).hostname}>`),
    secretKeys,
    selfRegistration: r.bool('SELF_REGISTRATION', true),
    // The UI's origins may receive the browser after an API-started sign-in (DSpace: rest.cors.allowed-origins).
    allowedRedirectOrigins: [
      ...new Set([
        ...r.list('ALLOWED_REDIRECT_ORIGINS').map((o) => origin('ALLOWED_REDIRECT_ORIGINS', o)),
        ...corsOrigins,
      ]),
    ],
    trustProxy: readTrustProxy(r.str('TRUST_PROXY', 'false')),
    uiUrl,
    corsOrigins,
    bearerTtlSeconds: r.int('BEARER_TTL', 1800, 300, 86400),
    mergeFollowUpSeconds: r.int('MERGE_FOLLOW_UP_SECONDS', 300, 0, 3600),
    redisUrl: r.optional('REDIS_URL', (v) => {
      if (!/^rediss?:\/\//.test(v))
        throw fix(
          'REDIS_URL',
          `must be a redis:// URL, got "${v}"`,
          'use redis://host:6379, or unset it to keep rate limits in each process',
        );
      return v;
    }),
    redisPrefix: r.has('REDIS_URL') ? r.str('REDIS_PREFIX', 'lanyard:') : 'lanyard:',
    redisTimeoutMs: r.has('REDIS_URL') ? r.int('REDIS_TIMEOUT_MS', 500, 20, 10_000) : 500,
    tokenTtl: {
      EXTERNAL: ttl('EXTERNAL', 3600),
      VALIDATION: ttl('VALIDATION', 3600),
      FORGOT: ttl('FORGOT', 3600),
      CHANGE_PASSWORD: ttl('CHANGE_PASSWORD', 3600),
      CHANGE_EMAIL: ttl('CHANGE_EMAIL', 3600),
      REGISTER: ttl('REGISTER', 86400),
      INVITATION: ttl('INVITATION', 7 * 86400),
    },
    sessionTtlSeconds: r.int('SESSION_TTL', 14 * 86400, 300, 365 * 86400),
    reauthSeconds: r.int('REAUTH_SECONDS', 600, 30, 86400),
    auditRetentionDays: r.int('AUDIT_RETENTION_DAYS', 365, 0, 36500),
    password: {
      // OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1 (the minimum it recommends).
      memoryCost: r.int('ARGON2_MEMORY_KIB', 19456, 7168, 1048576),
      timeCost: r.int('ARGON2_TIME_COST', 2, 1, 10),
      parallelism: 1,
      // As many hashes at once as cores (at most 4): more threads than cores only preempt the
      // event loop, which then answers late (docs/performance.md, "Hashing concurrency").
      maxConcurrent: r.int('ARGON2_MAX_CONCURRENT', Math.min(4, availableParallelism()), 1, 64),
    },
    rateLimit: {
      signInPerMinute: r.int('RATE_SIGNIN_PER_MINUTE', 20, 1, 100000),
      mailPerHourPerAddress: r.int('RATE_MAIL_PER_HOUR', 5, 1, 1000),
      tokenGuessesPerMinute: r.int('RATE_TOKEN_PER_MINUTE', 30, 1, 100000),
      openIdProviderPerMinute: r.int('RATE_OIDC_PER_MINUTE', 600, 1, 1000000),
      orcidApiPerMinute: r.int('RATE_ORCID_API_PER_MINUTE', 300, 1, 1000000),
    },
    orcid: providers.find((p): p is OrcidEntry => p.type === 'orcid') ?? null,
    providers,
    logLevel: r.str('LOG_LEVEL', 'info'),
    metrics: r.bool('METRICS', false),
    embedded,
    // Its page hands out every password-reset and registration link: never at a public address.
    devMailbox: embedded && smtpUrl === null && isLoopbackUrl(publicUrl),
    outboundProxy: readOutboundProxy(env),
  };
}

/** Whether the URL names this machine's loopback (localhost and its subdomains, 127.0.0.0/8, ::1). */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return isLoopback(host) || host.toLowerCase().endsWith('.localhost');
}

function readOrcid(r: Reader, publicUrl: string, embedded: boolean): OrcidConfig | null {
  const chosen = r.str('ORCID_ENV', '');
  // Off reads nothing else, so any other ORCID setting given alongside stops start-up.
  if (chosen === 'off') return null;
  const clientId = r.str('ORCID_CLIENT_ID', '');
  // The demo emulator (with its open admin API) is a default only in embedded mode (docs/security.md);
  // with PostgreSQL and no credentials ORCID sign-in is off until configured.
  const requested = (chosen || (clientId ? 'production' : embedded ? 'emulator' : 'off')) as OrcidEnv | 'off';
  if (!['production', 'sandbox', 'emulator', 'custom', 'off'].includes(requested)) {
    throw fix(
      'ORCID_ENV',
      `must be production, sandbox, emulator, custom or off, got "${requested}"`,
      'pick one of those',
    );
  }
  if (requested === 'off') return null;
  if (requested === 'emulator' && !embedded) {
    // Its admin API adds ORCID users with any verified email, so whoever reaches it could sign in
    // as any account: it must never serve a real database.
    throw fix(
      'ORCID_ENV',
      'is emulator, which is only for the embedded demo database: the built-in emulator would let anyone sign in as any account of this PostgreSQL database',
      'use sandbox or production with your ORCID client, or custom with LANYARD_ORCID_SITE_URL and LANYARD_ORCID_API_URL pointing at a separately run emulator (npm run orcid-emulator)',
    );
  }
  const clientSecret = r.str('ORCID_CLIENT_SECRET', '');
  const scopes = r.list('ORCID_SCOPES', ' ').filter(Boolean);
  const effectiveScopes = scopes.length ? scopes : ['openid'];
  for (const s of effectiveScopes) {
    if (!knownScopes.includes(s))
      throw fix('ORCID_SCOPES', `unknown scope "${s}"`, `use space-separated scopes from: ${knownScopes.join(' ')}`);
  }
  if (effectiveScopes.includes('openid') && effectiveScopes.includes('/authenticate')) {
    // docs/design.md, ORCID §1.3: "only one or the other should be used".
    throw fix(
      'ORCID_SCOPES',
      'has both openid and /authenticate',
      'keep openid (recommended) or /authenticate, not both',
    );
  }
  const asksMember = effectiveScopes.some((s) => memberScopes.includes(s));
  // The demo emulator's client is a member client; elsewhere a member scope at sign-in says so.
  const member = r.bool('ORCID_MEMBER', asksMember || requested === 'emulator');
  if (asksMember && !member)
    throw fix(
      'ORCID_SCOPES',
      `asks for ${effectiveScopes.filter((s) => memberScopes.includes(s)).join(' ')}, which ORCID grants only to member API clients, but LANYARD_ORCID_MEMBER is false`,
      'remove the member scopes, or set LANYARD_ORCID_MEMBER=true if your ORCID client is a member API client',
    );
  const trustEmail = r.bool('ORCID_TRUST_EMAIL', true);
  const timeoutMs = r.int('ORCID_TIMEOUT_MS', 10_000, 100, 120_000);

  if (requested === 'emulator') {
    const siteUrl = r.optional('ORCID_SITE_URL', (v) => v.replace(/\/+$/, '')) ?? `${publicUrl}/orcid-emulator`;
    return {
      env: 'emulator',
      clientId: clientId || demoOrcidClient.clientId,
      clientSecret: clientSecret || demoOrcidClient.clientSecret,
      siteUrl,
      apiUrl: r.optional('ORCID_API_URL', (v) => v.replace(/\/+$/, '')) ?? `${siteUrl}/member-api`,
      scopes: effectiveScopes,
      member,
      trustEmail,
      timeoutMs,
    };
  }
  if (!clientId || !clientSecret) {
    throw fix(
      'ORCID_CLIENT_ID',
      `and LANYARD_ORCID_CLIENT_SECRET are required for ORCID_ENV=${requested}`,
      'register a client at ORCID (Developer Tools) and set both, or unset ORCID_ENV to use the built-in emulator',
    );
  }
  if (!/^APP-[0-9A-Z]{16}$/.test(clientId)) {
    throw fix(
      'ORCID_CLIENT_ID',
      `"${clientId}" is not an ORCID client id`,
      'it looks like APP-XXXXXXXXXXXXXXXX (16 upper-case letters or digits)',
    );
  }
  if (requested === 'custom') {
    const siteUrl = r.optional('ORCID_SITE_URL', (v) => v.replace(/\/+$/, ''));
    const apiUrl = r.optional('ORCID_API_URL', (v) => v.replace(/\/+$/, ''));
    if (!siteUrl || !apiUrl)
      throw fix('ORCID_SITE_URL', 'and LANYARD_ORCID_API_URL are required with ORCID_ENV=custom', 'set both base URLs');
    return {
      env: 'custom',
      clientId,
      clientSecret,
      siteUrl,
      apiUrl,
      scopes: effectiveScopes,
      member,
      trustEmail,
      timeoutMs,
    };
  }
  const preset = orcidPresets[requested as 'production' | 'sandbox'];
  return {
    env: requested,
    clientId,
    clientSecret,
    siteUrl: preset.siteUrl,
    // Emails of "trusted parties" are only visible through the member API with /read-limited (§2).
    apiUrl:
      r.optional('ORCID_API_URL', (v) => v.replace(/\/+$/, '')) ?? (member ? preset.memberApiUrl : preset.publicApiUrl),
    scopes: effectiveScopes,
    member,
    trustEmail,
    timeoutMs,
  };
}

/**
 * An `orcid` entry of the providers list takes the shorthand's settings under their own names
 * (`env`, `clientId`, `clientSecret`, `siteUrl`, `apiUrl`, `scopes`); its id is always `orcid`,
 * the key ORCID identities are stored under.
 */
const readOrcidEntry: EntryReader = (entry, ctx) => {
  const names: Record<string, string> = {
    ORCID_ENV: 'env',
    ORCID_CLIENT_ID: 'clientId',
    ORCID_CLIENT_SECRET: 'clientSecret',
    ORCID_SITE_URL: 'siteUrl',
    ORCID_API_URL: 'apiUrl',
    ORCID_SCOPES: 'scopes',
    ORCID_MEMBER: 'member',
  };
  const known = Object.values(names);
  const unknown = Object.keys(entry).find((k) => !known.includes(k));
  if (unknown) throw ctx.fix(unknown, 'is not an ORCID setting', `use only ${known.join(', ')} and the shared keys`);
  if (ctx.base.id !== 'orcid') throw ctx.fix('id', 'must be "orcid" for the ORCID entry', 'set "id": "orcid"');
  const r = reader((name) => {
    const value = names[name] === undefined ? undefined : entry[names[name]];
    return Array.isArray(value) ? value.join(' ') : value;
  });
  let orcid: OrcidConfig | null;
  try {
    orcid = readOrcid(r, ctx.publicUrl, ctx.embedded);
  } catch (e) {
    // The shorthand's messages name LANYARD_ORCID_* variables; here they are keys of the entry.
    const message = e instanceof LanyardError ? e.message : String(e);
    const key = /LANYARD_(ORCID_[A-Z_]+)/.exec(message)?.[1];
    throw ctx.fix(
      key ? (names[key] ?? key) : 'env',
      message.replace(/LANYARD_(ORCID_[A-Z_]+)/g, (_m, k: string) => `"${names[k] ?? k}"`).replace(/\. Fix: .*$/, ''),
      message.match(/Fix: (.*)\.$/)?.[1] ?? 'see docs/providers.md',
    );
  }
  if (!orcid) throw ctx.fix('env', 'is off', 'remove the entry, or set "env" to production, sandbox or custom');
  return { ...orcid, ...ctx.base, trustEmail: ctx.base.trustEmail, timeoutMs: ctx.base.timeoutMs, type: 'orcid' };
};

function readSecretKeys(current: string, previous: string, embedded: boolean, dataDir: string): SecretKey[] {
  let primary = current;
  if (!primary) {
    if (!embedded)
      throw fix(
        'SECRET_KEY',
        'is required with PostgreSQL',
        'generate one with `openssl rand -hex 32` and keep it safe; every Lanyard process needs the same key',
      );
    primary = persistedKey(dataDir);
  }
  return [
    primary,
    ...previous
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ].map((k, i) => {
    const key = decodeKey(k, i === 0 ? 'SECRET_KEY' : 'SECRET_KEYS_PREVIOUS');
    return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
  });
}

function decodeKey(value: string, name: string): Buffer {
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  const b64 = Buffer.from(value, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/=_-]+$/.test(value)) return b64;
  throw fix(
    name,
    'must be 32 random bytes as 64 hex characters (or base64)',
    'generate one with `openssl rand -hex 32`',
  );
}

function persistedKey(dataDir: string): string {
  const path = join(dataDir, 'secret.key');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return key;
}

function readConfigFile(env: NodeJS.ProcessEnv): Source {
  const path = env.LANYARD_CONFIG ?? (existsSync('lanyard.config.json') ? 'lanyard.config.json' : null);
  if (!path) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Source;
  } catch (e) {
    throw fix(
      'CONFIG',
      `file ${path} cannot be read: ${(e as Error).message}`,
      'make it a JSON object of settings, or unset LANYARD_CONFIG',
    );
  }
}

function fix(name: string, problem: string, remedy: string): LanyardError {
  return new LanyardError('CONFIG_INVALID', `LANYARD_${name} ${problem}. Fix: ${remedy}.`, { key: `LANYARD_${name}` });
}

type Reader = ReturnType<typeof reader>;

function reader(get: (name: string) => unknown) {
  const raw = (name: string): string | undefined => {
    const v = get(name);
    return v === undefined || v === null ? undefined : String(v);
  };
  return {
    /** The value as given (the config file may hold JSON, like the providers list). */
    value: (name: string): unknown => get(name),
    has: (name: string) => (raw(name) ?? '') !== '',
    str: (name: string, dflt: string) => raw(name) ?? dflt,
    optional: <T>(name: string, parse: (v: string) => T): T | null => {
      const v = raw(name);
      return v === undefined || v === '' ? null : parse(v);
    },
    int(name: string, dflt: number, min: number, max: number): number {
      const v = raw(name);
      if (v === undefined) return dflt;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max)
        throw fix(name, `must be a whole number from ${min} to ${max}, got "${v}"`, `set it to e.g. ${dflt}`);
      return n;
    },
    bool(name: string, dflt: boolean): boolean {
      const v = raw(name)?.toLowerCase();
      if (v === undefined) return dflt;
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw fix(name, `must be true or false, got "${v}"`, 'use true or false');
    },
    url(name: string, dflt: string): string {
      const v = raw(name) ?? dflt;
      try {
        const u = new URL(v);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
        return v;
      } catch {
        throw fix(name, `must be an http(s) URL, got "${v}"`, 'use e.g. https://login.example.org');
      }
    },
    list: (name: string, sep = ','): string[] =>
      (raw(name) ?? '')
        .split(sep)
        .map((s) => s.trim())
        .filter(Boolean),
  };
}

/** LANYARD_TRUST_PROXY: true/false, or a comma list of the trusted proxies' addresses or CIDRs. */
function readTrustProxy(v: string): boolean | string[] {
  const word = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(word)) return true;
  if (['false', '0', 'no', 'off', ''].includes(word)) return false;
  const list = v
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const address = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)(\/\d{1,3})?$/;
  const bad = list.find((a) => !address.test(a) && !['loopback', 'linklocal', 'uniquelocal'].includes(a));
  if (bad !== undefined)
    throw fix(
      'TRUST_PROXY',
      `"${bad}" is neither true/false nor an IP address or CIDR`,
      'use true, false, or the addresses of the proxies and UI servers in front, e.g. 10.0.0.5,10.0.1.0/24',
    );
  return list;
}
