import { LanyardError } from '../errors.js';

/** Every setting `loadConfig` knows, by its name without the LANYARD_ prefix. */
export const settingNames = [
  'PORT',
  'HOST',
  'PUBLIC_URL',
  'DATABASE_URL',
  'DATA_DIR',
  'SMTP_URL',
  'REQUIRE_SMTP',
  'MAIL_FROM',
  'SECRET_KEY',
  'SECRET_KEYS_PREVIOUS',
  'SELF_REGISTRATION',
  'ALLOWED_REDIRECT_ORIGINS',
  'TRUST_PROXY',
  'REDIS_URL',
  'REDIS_PREFIX',
  'REDIS_TIMEOUT_MS',
  'TOKEN_TTL_EXTERNAL',
  'TOKEN_TTL_VALIDATION',
  'TOKEN_TTL_FORGOT',
  'TOKEN_TTL_CHANGE_PASSWORD',
  'TOKEN_TTL_CHANGE_EMAIL',
  'TOKEN_TTL_REGISTER',
  'TOKEN_TTL_INVITATION',
  'SESSION_TTL',
  'REAUTH_SECONDS',
  'AUDIT_RETENTION_DAYS',
  'ARGON2_MEMORY_KIB',
  'ARGON2_TIME_COST',
  'ARGON2_MAX_CONCURRENT',
  'RATE_SIGNIN_PER_MINUTE',
  'RATE_MAIL_PER_HOUR',
  'RATE_TOKEN_PER_MINUTE',
  'RATE_OIDC_PER_MINUTE',
  'RATE_ORCID_API_PER_MINUTE',
  'ORCID_ENV',
  'ORCID_CLIENT_ID',
  'ORCID_CLIENT_SECRET',
  'ORCID_SITE_URL',
  'ORCID_API_URL',
  'ORCID_SCOPES',
  'ORCID_MEMBER',
  'ORCID_TRUST_EMAIL',
  'ORCID_TIMEOUT_MS',
  'LOG_LEVEL',
  'METRICS',
  'UI_URL',
  'CORS_ORIGINS',
  'BEARER_TTL',
  'MERGE_FOLLOW_UP_SECONDS',
  'PROVIDERS',
];

/** The camelCase spelling of a setting in the config file: ORCID_SITE_URL → orcidSiteUrl. */
export function camelName(name: string): string {
  return name.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `publicUrl`, `PUBLIC_URL` and `LANYARD_PUBLIC_URL` all name PUBLIC_URL; anything else is unknown. */
export function settingOfFileKey(key: string): string | undefined {
  return settingNames.find((s) => key === s || key === `LANYARD_${s}` || key === camelName(s));
}

/** Why a setting the chosen mode never reads has no effect, and what to do instead. */
const unusedBecause: Record<string, [problem: string, fix: string]> = {
  ORCID_SITE_URL: [
    'has no effect with this LANYARD_ORCID_ENV: the production and sandbox presets fix ORCID’s site URL',
    'remove it, or set LANYARD_ORCID_ENV=custom with LANYARD_ORCID_API_URL to use other ORCID base URLs',
  ],
  REDIS_PREFIX: ['has no effect without LANYARD_REDIS_URL', 'remove it, or set LANYARD_REDIS_URL'],
  REDIS_TIMEOUT_MS: ['has no effect without LANYARD_REDIS_URL', 'remove it, or set LANYARD_REDIS_URL'],
  REQUIRE_SMTP: ['has no effect here: it applies only with PostgreSQL and no LANYARD_SMTP_URL', 'remove it'],
};
const orcidOff: [string, string] = [
  'has no effect while ORCID sign-in is off',
  'remove it, or set LANYARD_ORCID_ENV (production, sandbox or custom) with your ORCID client',
];

/**
 * A setting that was given but that the chosen mode never read would be silently ignored, so the
 * operator would believe it applies: refuse to start instead. Unknown file keys (typos) likewise.
 */
export function checkEverySettingUsed(fileKeys: string[], given: string[], read: Set<string>): void {
  for (const key of fileKeys) {
    if (!settingOfFileKey(key)) {
      throw new LanyardError(
        'CONFIG_INVALID',
        `LANYARD_CONFIG has an unknown key "${key}". Fix: remove it, or use one of the settings the README lists (${nearest(key)}).`,
        { key: 'LANYARD_CONFIG' },
      );
    }
  }
  for (const name of given) {
    if (read.has(name)) continue;
    const [problem, fix] =
      unusedBecause[name] ?? (name.startsWith('ORCID_') ? orcidOff : ['has no effect', 'remove it']);
    throw new LanyardError('CONFIG_INVALID', `LANYARD_${name} ${problem}. Fix: ${fix}.`, { key: `LANYARD_${name}` });
  }
}

function nearest(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split('_');
  const close = settingNames.filter((s) => words.some((w) => w.length > 2 && w !== 'LANYARD' && s.includes(w)));
  return close.length ? `did you mean ${close.map((s) => `LANYARD_${s}`).join(', ')}?` : 'names like LANYARD_PORT';
}
