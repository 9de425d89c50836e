import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { isLanyardError } from '../../src/errors.js';

const base = { LANYARD_SECRET_KEY: 'b'.repeat(64), LANYARD_DATA_DIR: 'memory://' };
const providers = (list: unknown) => ({ ...base, LANYARD_PROVIDERS: JSON.stringify(list) });

/** The providers list: an `orcid` entry is the ORCID shorthand under its own keys; bad entries say which and how to fix. */
describe('the providers list (LANYARD_PROVIDERS)', () => {
  test('an orcid entry configures ORCID exactly as the LANYARD_ORCID_* shorthand does', () => {
    const viaList = loadConfig(
      providers([
        {
          id: 'orcid',
          type: 'orcid',
          env: 'sandbox',
          clientId: 'APP-ABCDEFGHIJKLMNOP',
          clientSecret: 's3cret',
          scopes: ['openid', '/read-limited'],
          trustEmail: false,
        },
      ]),
    );
    const viaShorthand = loadConfig({
      ...base,
      LANYARD_ORCID_ENV: 'sandbox',
      LANYARD_ORCID_CLIENT_ID: 'APP-ABCDEFGHIJKLMNOP',
      LANYARD_ORCID_CLIENT_SECRET: 's3cret',
      LANYARD_ORCID_SCOPES: 'openid /read-limited',
      LANYARD_ORCID_TRUST_EMAIL: 'false',
    });
    assert.deepEqual(viaList.providers, viaShorthand.providers);
    assert.equal(viaList.orcid?.apiUrl, 'https://api.sandbox.orcid.org');
    assert.equal(viaList.providers[0]?.trustEmail, false);
  });

  test('the shorthand adds ORCID first; without it and without a list there is no provider in production', () => {
    const embedded = loadConfig(base);
    assert.deepEqual(
      embedded.providers.map((p) => [p.id, p.type]),
      [['orcid', 'orcid']],
    );
    const production = loadConfig({
      ...base,
      LANYARD_DATABASE_URL: 'postgres://lanyard@db/lanyard',
      LANYARD_SMTP_URL: 'smtp://mail:25',
    });
    assert.deepEqual(production.providers, []);
    assert.equal(production.orcid, null);
  });

  const bad: [list: unknown, field: string, fix: RegExp][] = [
    [{ id: 'x' }, 'entry', /JSON array/],
    [[7], 'entry', /\{ "id": …, "type": … \}/],
    [[{ id: 'Has Spaces', type: 'orcid' }], 'id', /url-safe id/],
    [[{ id: 'password', type: 'orcid' }], 'id', /url-safe id/],
    [[{ id: 'uni', type: 'ldap' }], 'type', /pick one of those/],
    [[{ id: 'orcid', type: 'orcid', env: 'sandbox', clientId: 'APP-ABCDEFGHIJKLMNOP' }], 'clientId', /Developer Tools/],
    [[{ id: 'orcid', type: 'orcid', env: 'staging' }], 'env', /production, sandbox/],
    [[{ id: 'orcid', type: 'orcid', colour: 'green' }], 'colour', /use only env, clientId/],
    [[{ id: 'orcid', type: 'orcid', label: 42 }], 'label', /University of Example/],
    [[{ id: 'orcid', type: 'orcid', trustEmail: 'yes' }], 'trustEmail', /without quotes/],
    [[{ id: 'orcid', type: 'orcid', timeoutMs: 5 }], 'timeoutMs', /e\.g\. 10000/],
    [[{ id: 'my-orcid', type: 'orcid' }], 'id', /"id": "orcid"/],
    // An institution's IdP keyed "orcid" would have its subjects released as ORCID-authenticated iDs.
    [
      [{ id: 'orcid', type: 'oidc', issuer: 'https://idp.uni.example', clientId: 'c', clientSecret: 's' }],
      'id',
      /reserved for the ORCID entry/,
    ],
  ];
  for (const [list, field, fix] of bad) {
    test(`${JSON.stringify(list)} → CONFIG_INVALID naming the entry, "${field}" and the fix`, () => {
      assert.throws(
        () => loadConfig(providers(list)),
        (e: unknown) => {
          assert.ok(isLanyardError(e), String(e));
          assert.equal(e.code, 'CONFIG_INVALID');
          assert.match(e.message, /LANYARD_PROVIDERS/);
          if (field !== 'entry' || Array.isArray(list)) assert.match(e.message, new RegExp(`"${field}"`));
          assert.match(e.message, fix);
          return true;
        },
      );
    });
  }

  test('LANYARD_PROVIDERS that is not JSON names the variable and shows the shape', () => {
    assert.throws(
      () => loadConfig({ ...base, LANYARD_PROVIDERS: '[{id: uni}' }),
      /LANYARD_PROVIDERS is not valid JSON.*Fix: write it as a JSON array/,
    );
  });
});

describe('an oidc entry', () => {
  const uni = {
    id: 'uni',
    type: 'oidc',
    label: { en: 'University of Example', de: 'Universität Beispiel' },
    issuer: 'https://login.uni.example/realms/staff',
    clientId: 'lanyard',
    clientSecret: 'secret',
  };

  test('takes sensible defaults: openid email profile, client_secret_basic, standard claims, trustEmail off', () => {
    const [entry] = loadConfig({ ...providers([uni]), LANYARD_ORCID_ENV: 'off' }).providers;
    assert.equal(entry?.type, 'oidc');
    if (entry?.type !== 'oidc') return;
    assert.deepEqual(entry.scopes, ['openid', 'email', 'profile']);
    assert.equal(entry.tokenEndpointAuthMethod, 'client_secret_basic');
    assert.equal(entry.trustEmail, false);
    assert.equal(entry.claims.emailVerified, 'email_verified');
    assert.equal(entry.issuer, uni.issuer);
  });

  test('config check prints its exact redirect URI', async () => {
    const { configCheck } = await import('../../src/cli/commands/config-check.js');
    let out = '';
    const io = {
      env: { ...providers([uni]), LANYARD_PUBLIC_URL: 'https://login.repo.example', LANYARD_ORCID_ENV: 'off' },
      stdout: { write: (s: string) => ((out += s), true) },
      stderr: { write: () => true },
    };
    assert.equal(await configCheck.run([], io as never), 0);
    assert.match(out, /Provider "uni" \(oidc, University of Example\)/);
    assert.match(out, /\n {2}https:\/\/login\.repo\.example\/auth\/uni\/callback\n/);
    assert.doesNotMatch(out, /\bsecret\b/, 'the client secret is masked');
  });

  const bad: [change: Record<string, unknown>, field: string, fix: RegExp][] = [
    [{ issuer: 'not a url' }, 'issuer', /openid-configuration/],
    [{ issuer: 'http://login.uni.example' }, 'issuer', /https/],
    [{ clientId: '' }, 'clientId', /client id/],
    [{ clientSecret: undefined }, 'clientSecret', /tokenEndpointAuthMethod/],
    [{ tokenEndpointAuthMethod: 'private_key_jwt' }, 'tokenEndpointAuthMethod', /client_secret_basic/],
    [{ scopes: ['email'] }, 'scopes', /add "openid"/],
    [{ claims: { subject: '' } }, 'claims.subject', /e\.g\. "sub"/],
    [{ claims: { colour: 'x' } }, 'claims.colour', /map only subject/],
    [{ discovery: 'x' }, 'discovery', /use only issuer/],
  ];
  for (const [change, field, fix] of bad) {
    test(`${JSON.stringify(change)} → names "${field}" and the fix`, () => {
      assert.throws(
        () => loadConfig(providers([{ ...uni, ...change }])),
        (e: unknown) => {
          assert.ok(isLanyardError(e), String(e));
          assert.match(e.message, /LANYARD_PROVIDERS entry 1 \("uni"\)/);
          assert.match(e.message, new RegExp(`"${field.replace('.', '\\.')}"`));
          assert.match(e.message, fix);
          return true;
        },
      );
    });
  }

  test('plain http is accepted for a loopback issuer only', () => {
    for (const issuer of ['http://127.0.0.1:8080', 'http://localhost:8080/realms/x', 'http://[::1]:9000'])
      assert.doesNotThrow(() => loadConfig(providers([{ ...uni, issuer }])), issuer);
    // Names that only look local: each is another machine, reached in the clear.
    for (const issuer of [
      'http://localhost.evil.example',
      'http://127.0.0.1.nip.io',
      'http://127.0.0.1@evil.example',
      'http://10.0.0.1',
      'http://[::ffff:a00:1]',
    ])
      assert.throws(() => loadConfig(providers([{ ...uni, issuer }])), /plain http only on loopback/, issuer);
  });
});
