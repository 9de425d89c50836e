import { availableParallelism } from 'node:os';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { isLanyardError } from '../../src/errors.js';

const SECRET = 'b'.repeat(64);
const base = { LANYARD_SECRET_KEY: SECRET, LANYARD_DATA_DIR: 'memory://' };
const production = {
  ...base,
  LANYARD_DATABASE_URL: 'postgres://lanyard@db:5432/lanyard',
  LANYARD_SMTP_URL: 'smtp://mail:25',
};

function configFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lanyard-config-')), 'lanyard.config.json');
  writeFileSync(path, content);
  return path;
}

/** Each bad setting, the key the error must name, and a word of the fix it must give. */
const bad: [setting: Record<string, string>, key: string, fix: RegExp][] = [
  [{ LANYARD_PORT: 'eighty' }, 'LANYARD_PORT', /whole number from 0 to 65535/],
  [{ LANYARD_PORT: '70000' }, 'LANYARD_PORT', /set it to e\.g\. 3000/],
  [{ LANYARD_PUBLIC_URL: 'ftp://login.example.org' }, 'LANYARD_PUBLIC_URL', /https:\/\/login\.example\.org/],
  [{ LANYARD_DATABASE_URL: 'mysql://db/lanyard' }, 'LANYARD_DATABASE_URL', /postgres:\/\//],
  [{ LANYARD_SMTP_URL: 'http://mail.example.org' }, 'LANYARD_SMTP_URL', /smtp:\/\/user:pass@host:587/],
  [{ LANYARD_SMTP_URL: 'smtp://mail.example.org:25x' }, 'LANYARD_SMTP_URL', /smtp:\/\/user:pass@host:587/],
  [{ LANYARD_SECRET_KEY: 'too-short' }, 'LANYARD_SECRET_KEY', /openssl rand -hex 32/],
  [{ LANYARD_SELF_REGISTRATION: 'maybe' }, 'LANYARD_SELF_REGISTRATION', /use true or false/],
  [{ LANYARD_TOKEN_TTL_FORGOT: '10' }, 'LANYARD_TOKEN_TTL_FORGOT', /from 60 to/],
  [{ LANYARD_RATE_SIGNIN_PER_MINUTE: '0' }, 'LANYARD_RATE_SIGNIN_PER_MINUTE', /from 1 to/],
  [
    { LANYARD_ALLOWED_REDIRECT_ORIGINS: 'not a url' },
    'LANYARD_ALLOWED_REDIRECT_ORIGINS',
    /https:\/\/repository\.example\.org/,
  ],
  [{ LANYARD_UI_URL: 'repository.example.org' }, 'LANYARD_UI_URL', /https:\/\/repository\.example\.org/],
  [{ LANYARD_CORS_ORIGINS: 'javascript:alert(1)' }, 'LANYARD_CORS_ORIGINS', /https:\/\/repository\.example\.org/],
  [{ LANYARD_TRUST_PROXY: 'the ui server' }, 'LANYARD_TRUST_PROXY', /10\.0\.0\.5/],
  [{ LANYARD_MERGE_FOLLOW_UP_SECONDS: '86400' }, 'LANYARD_MERGE_FOLLOW_UP_SECONDS', /from 0 to 3600/],
  [{ LANYARD_ORCID_ENV: 'staging' }, 'LANYARD_ORCID_ENV', /production, sandbox, emulator, custom or off/],
  [{ LANYARD_ORCID_SCOPES: '/write-everything' }, 'LANYARD_ORCID_SCOPES', /space-separated scopes from/],
  [{ LANYARD_ORCID_SCOPES: 'openid /authenticate' }, 'LANYARD_ORCID_SCOPES', /not both/],
  [
    { LANYARD_ORCID_SCOPES: 'openid /activities/update', LANYARD_ORCID_MEMBER: 'false' },
    'LANYARD_ORCID_SCOPES',
    /LANYARD_ORCID_MEMBER=true if your ORCID client is a member API client/,
  ],
  [{ LANYARD_ORCID_MEMBER: 'perhaps' }, 'LANYARD_ORCID_MEMBER', /use true or false/],
  [{ LANYARD_ORCID_ENV: 'sandbox' }, 'LANYARD_ORCID_CLIENT_ID', /Developer Tools/],
  [
    { LANYARD_ORCID_ENV: 'sandbox', LANYARD_ORCID_CLIENT_ID: 'my-app', LANYARD_ORCID_CLIENT_SECRET: 's' },
    'LANYARD_ORCID_CLIENT_ID',
    /APP-XXXXXXXXXXXXXXXX/,
  ],
  [{ LANYARD_CONFIG: '/nonexistent/lanyard.config.json' }, 'LANYARD_CONFIG', /unset LANYARD_CONFIG/],
  // A setting the chosen mode ignores stops start-up instead of being dropped without a word.
  [
    {
      LANYARD_ORCID_ENV: 'sandbox',
      LANYARD_ORCID_CLIENT_ID: 'APP-ABCDEFGHIJKLMNOP',
      LANYARD_ORCID_CLIENT_SECRET: 's',
      LANYARD_ORCID_SITE_URL: 'https://orcid.example.org',
    },
    'LANYARD_ORCID_SITE_URL',
    /LANYARD_ORCID_ENV=custom/,
  ],
  [{ LANYARD_ORCID_ENV: 'off', LANYARD_ORCID_CLIENT_ID: 'APP-ABCDEFGHIJKLMNOP' }, 'LANYARD_ORCID_CLIENT_ID', /off/],
  [{ LANYARD_ORCID_ENV: 'off', LANYARD_ORCID_TRUST_EMAIL: 'false' }, 'LANYARD_ORCID_TRUST_EMAIL', /off/],
  [{ LANYARD_REDIS_PREFIX: 'mine:' }, 'LANYARD_REDIS_PREFIX', /set LANYARD_REDIS_URL/],
  [{ LANYARD_REQUIRE_SMTP: 'false' }, 'LANYARD_REQUIRE_SMTP', /only with PostgreSQL/],
  [{ HTTPS_PROXY: 'proxy.uni.example:3128' }, 'HTTPS_PROXY', /http:\/\/proxy\.example\.org:3128/],
  [{ http_proxy: 'socks5://proxy.uni.example:1080' }, 'HTTP_PROXY', /http:\/\/proxy\.example\.org:3128/],
  // NO_PROXY's IP ranges: a wrong one stops start-up rather than sending what it meant to cover through the proxy.
  ...['10.0.0.0/33', 'fd00::/129', '10.0.0/8', 'uni.example/16', '10.0.0.0/', '10.0.0.0/8:443', '[fd00::]/x'].map(
    (range): [Record<string, string>, string, RegExp] => [
      { HTTPS_PROXY: 'http://proxy.uni.example:3128', NO_PROXY: `.uni.example,${range}` },
      'NO_PROXY',
      /10\.0\.0\.0\/8 or fd00::\/8/,
    ],
  ),
  // The built-in emulator's open admin API never serves a real database.
  [{ ...production, LANYARD_ORCID_ENV: 'emulator' }, 'LANYARD_ORCID_ENV', /custom with LANYARD_ORCID_SITE_URL/],
];

describe('configuration errors name the key and the fix', () => {
  for (const [setting, key, fix] of bad) {
    test(`${Object.entries(setting)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} → CONFIG_INVALID naming ${key}`, () => {
      assert.throws(
        () => loadConfig({ ...base, ...setting }),
        (e: unknown) => {
          assert.ok(isLanyardError(e), `not a LanyardError: ${String(e)}`);
          assert.equal(e.code, 'CONFIG_INVALID');
          assert.equal(e.details?.key, key);
          assert.ok(e.message.startsWith(key), `message does not start with ${key}: ${e.message}`);
          assert.match(e.message, /Fix: /);
          assert.match(e.message, fix);
          return true;
        },
      );
    });
  }

  test('PostgreSQL without SMTP → names LANYARD_SMTP_URL (and how to keep mail in the outbox instead)', () => {
    const { LANYARD_SMTP_URL: _, ...noSmtp } = production;
    assert.throws(() => loadConfig(noSmtp), /^LanyardError: LANYARD_SMTP_URL is required.*LANYARD_REQUIRE_SMTP=false/);
    assert.equal(loadConfig({ ...noSmtp, LANYARD_REQUIRE_SMTP: 'false' }).smtpUrl, null);
  });

  test('PostgreSQL without a secret key → names LANYARD_SECRET_KEY (embedded mode keeps one in the data dir)', () => {
    const { LANYARD_SECRET_KEY: _, ...noKey } = production;
    assert.throws(
      () => loadConfig(noKey),
      (e: unknown) => isLanyardError(e) && e.details?.key === 'LANYARD_SECRET_KEY',
    );
  });

  test('a config file with an unknown key, or a key with no effect → names it and stops', () => {
    assert.throws(
      () => loadConfig({ ...base, LANYARD_CONFIG: configFile(JSON.stringify({ port: 80, selfRegistraton: false })) }),
      (e: unknown) =>
        isLanyardError(e) &&
        e.details?.key === 'LANYARD_CONFIG' &&
        /unknown key "selfRegistraton".*did you mean LANYARD_SELF_REGISTRATION/.test(e.message),
    );
    const sandbox = {
      orcidEnv: 'sandbox',
      orcidClientId: 'APP-ABCDEFGHIJKLMNOP',
      orcidClientSecret: 's',
      ORCID_SITE_URL: 'https://orcid.example.org',
    };
    assert.throws(
      () => loadConfig({ ...base, LANYARD_CONFIG: configFile(JSON.stringify(sandbox)) }),
      (e: unknown) => isLanyardError(e) && e.details?.key === 'LANYARD_ORCID_SITE_URL',
    );
    const { ORCID_SITE_URL: _, ...valid } = sandbox;
    assert.equal(loadConfig({ ...base, LANYARD_CONFIG: configFile(JSON.stringify(valid)) }).orcid?.env, 'sandbox');
  });

  test('a config file that is not a JSON object → names LANYARD_CONFIG', () => {
    for (const content of ['{ not json', '[1, 2]']) {
      assert.throws(
        () => loadConfig({ ...base, LANYARD_CONFIG: configFile(content) }),
        (e: unknown) => isLanyardError(e) && e.details?.key === 'LANYARD_CONFIG',
      );
    }
  });
});

describe('configuration sources', () => {
  test('file values apply, in any of the three spellings; the environment overrides the file', () => {
    const LANYARD_CONFIG = configFile(
      JSON.stringify({ port: 8080, SELF_REGISTRATION: false, LANYARD_PUBLIC_URL: 'https://login.example.org/' }),
    );
    const config = loadConfig({ ...base, LANYARD_CONFIG });
    assert.equal(config.port, 8080);
    assert.equal(config.selfRegistration, false);
    assert.equal(config.publicUrl, 'https://login.example.org');
    assert.equal(config.secureCookies, true);
    assert.equal(loadConfig({ ...base, LANYARD_CONFIG, LANYARD_PORT: '9090' }).port, 9090);
  });

  test('defaults: embedded database, the ORCID emulator, OWASP argon2id parameters, documented token lifetimes', () => {
    const config = loadConfig(base);
    assert.equal(config.embedded, true);
    assert.equal(config.orcid?.env, 'emulator');
    assert.deepEqual(config.password, {
      memoryCost: 19456,
      timeCost: 2,
      parallelism: 1,
      maxConcurrent: Math.min(4, availableParallelism()),
    });
    assert.deepEqual(config.tokenTtl, {
      EXTERNAL: 3600,
      VALIDATION: 3600,
      FORGOT: 3600,
      CHANGE_PASSWORD: 3600,
      CHANGE_EMAIL: 3600,
      REGISTER: 86400,
      INVITATION: 604800,
    });
  });

  test('with PostgreSQL and no ORCID credentials, ORCID is off: the demo emulator (open admin API) is never a production default', () => {
    const config = loadConfig({
      ...base,
      LANYARD_DATABASE_URL: 'postgres://db/lanyard',
      LANYARD_SECRET_KEY: 'b'.repeat(64),
      LANYARD_SMTP_URL: 'smtp://mail:25',
    });
    assert.equal(config.orcid, null);
  });

  test('an emulator run separately serves PostgreSQL as a custom ORCID; the embedded demo may point at one too', () => {
    const separate = {
      LANYARD_ORCID_SITE_URL: 'http://127.0.0.1:9999',
      LANYARD_ORCID_API_URL: 'http://127.0.0.1:9999/member-api',
      LANYARD_ORCID_CLIENT_ID: 'APP-ABCDEFGHIJKLMNOP',
      LANYARD_ORCID_CLIENT_SECRET: 's',
    };
    assert.equal(loadConfig({ ...production, ...separate, LANYARD_ORCID_ENV: 'custom' }).orcid?.env, 'custom');
    assert.equal(
      loadConfig({ ...base, ...separate, LANYARD_ORCID_ENV: 'emulator' }).orcid?.siteUrl,
      'http://127.0.0.1:9999',
    );
    assert.equal(
      loadConfig({ ...production, LANYARD_REDIS_URL: 'redis://r', LANYARD_REDIS_PREFIX: 'x:' }).redisPrefix,
      'x:',
    );
  });

  test('a member API client: said by LANYARD_ORCID_MEMBER, or by a member scope at sign-in; the demo emulator is one', () => {
    const sandbox = {
      ...production,
      LANYARD_ORCID_ENV: 'sandbox',
      LANYARD_ORCID_CLIENT_ID: 'APP-ABCDEFGHIJKLMNOP',
      LANYARD_ORCID_CLIENT_SECRET: 's',
    };
    const publicClient = loadConfig(sandbox).orcid!;
    assert.equal(publicClient.member, false);
    assert.equal(publicClient.apiUrl, 'https://pub.sandbox.orcid.org');
    const member = loadConfig({ ...sandbox, LANYARD_ORCID_MEMBER: 'true' }).orcid!;
    assert.deepEqual(
      [member.member, member.scopes, member.apiUrl],
      [true, ['openid'], 'https://api.sandbox.orcid.org'],
    );
    const asks = loadConfig({ ...sandbox, LANYARD_ORCID_SCOPES: 'openid /read-limited /activities/update' }).orcid!;
    assert.equal(asks.member, true);
    assert.equal(loadConfig(base).orcid?.member, true);
  });
});

describe('the forward proxy of outgoing calls', () => {
  test('read from HTTPS_PROXY, HTTP_PROXY and NO_PROXY, the lower-case names winning', () => {
    const { outboundProxy } = loadConfig({
      ...base,
      HTTPS_PROXY: 'http://ignored.example:1',
      https_proxy: 'http://user:pw@proxy.uni.example:3128',
      NO_PROXY: 'login.uni.example, .intranet.example,*.lab.example:8443 [fd00::1]:443',
    });
    assert.deepEqual(outboundProxy, {
      https: 'http://user:pw@proxy.uni.example:3128/',
      http: null,
      noProxy: [
        { host: 'login.uni.example', port: null },
        { host: 'intranet.example', port: null },
        { host: 'lab.example', port: 8443 },
        { host: 'fd00::1', port: 443 },
      ],
      noProxyIps: [],
    });
  });

  test('NO_PROXY: IP ranges (CIDR) and plain IP addresses, IPv4 and IPv6, apart from the names', () => {
    const { outboundProxy } = loadConfig({
      ...base,
      HTTPS_PROXY: 'http://proxy.uni.example:3128',
      no_proxy: '10.0.0.0/8,.uni.example, FD00:0::/8 192.0.2.7 [2001:db8::1] [2001:db8::2]:8443 [2001:db8::]/32',
    });
    assert.deepEqual(outboundProxy?.noProxy, [
      { host: 'uni.example', port: null },
      { host: '2001:db8::2', port: 8443 },
    ]);
    assert.deepEqual(outboundProxy?.noProxyIps, [
      { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
      { address: 'fd00::', prefix: 8, family: 'ipv6' },
      { address: '192.0.2.7', prefix: null, family: 'ipv4' },
      { address: '2001:db8::1', prefix: null, family: 'ipv6' },
      { address: '2001:db8::', prefix: 32, family: 'ipv6' },
    ]);
  });

  test('none without a proxy variable, and none with NO_PROXY=*', () => {
    assert.equal(loadConfig(base).outboundProxy, null);
    assert.equal(
      loadConfig({ ...base, HTTPS_PROXY: 'http://proxy.uni.example:3128', no_proxy: '*' }).outboundProxy,
      null,
    );
  });
});
