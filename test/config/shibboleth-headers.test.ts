import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { isLanyardError } from '../../src/errors.js';

const base = { LANYARD_SECRET_KEY: 'b'.repeat(64), LANYARD_DATA_DIR: 'memory://', LANYARD_ORCID_ENV: 'off' };
const providers = (list: unknown) => ({ ...base, LANYARD_PROVIDERS: JSON.stringify(list) });
const UNI = 'https://idp.uni.example/idp/shibboleth';
const LAB = 'https://idp.lab.example/idp/shibboleth';

describe('a shibboleth-headers entry', () => {
  const shib = {
    id: 'shib',
    type: 'shibboleth-headers',
    label: 'University of Example',
    trustedProxies: ['10.0.0.5', '10.0.1.0/24', '::1'],
    secret: 'x'.repeat(32),
    idps: { [UNI]: { scopes: ['Uni.Example'] } },
  };

  test('defaults: the X-Lanyard-Proxy-Secret header, mod_shib’s attribute names, emails not trusted', () => {
    const [entry] = loadConfig(providers([shib])).providers;
    assert.equal(entry?.type, 'shibboleth-headers');
    if (entry?.type !== 'shibboleth-headers') return;
    assert.equal(entry.secretHeader, 'X-Lanyard-Proxy-Secret');
    assert.equal(entry.headers.idp, 'Shib-Identity-Provider');
    assert.equal(entry.headers.eppn, 'eppn');
    assert.equal(entry.trustEmail, false);
    assert.deepEqual(entry.trustEmailFrom, []);
    assert.deepEqual(entry.idps[UNI]?.scopes, ['uni.example']);
    assert.equal(entry.loginHandler, '/Shibboleth.sso/Login', 'proofs go through the SP’s session initiator');
  });

  test('loginHandler: another path or URL of the session initiator, or null for none', () => {
    const entryWith = (loginHandler: unknown) => {
      const [entry] = loadConfig(providers([{ ...shib, loginHandler }])).providers;
      return entry?.type === 'shibboleth-headers' ? entry.loginHandler : undefined;
    };
    assert.equal(entryWith('/secure/Shibboleth.sso/Login'), '/secure/Shibboleth.sso/Login');
    assert.equal(
      entryWith('https://sp.uni.example/Shibboleth.sso/Login'),
      'https://sp.uni.example/Shibboleth.sso/Login',
    );
    assert.equal(entryWith(null), null);
    assert.equal(entryWith(''), null);
  });

  test('trustEmail with one IdP trusts that one; with several it must name them', () => {
    const [one] = loadConfig(providers([{ ...shib, trustEmail: true }])).providers;
    assert.deepEqual(one?.type === 'shibboleth-headers' && one.trustEmailFrom, [UNI]);
    const idps = { ...shib.idps, [LAB]: { scopes: ['lab.example'] } };
    assert.throws(() => loadConfig(providers([{ ...shib, idps, trustEmail: true }])), /trustEmailFrom/);
    const [named] = loadConfig(providers([{ ...shib, idps, trustEmail: true, trustEmailFrom: [LAB] }])).providers;
    assert.deepEqual(named?.type === 'shibboleth-headers' && named.trustEmailFrom, [LAB]);
  });

  test('config check explains the Apache side and never prints the secret', async () => {
    const { configCheck } = await import('../../src/cli/commands/config-check.js');
    let out = '';
    const io = {
      env: { ...providers([shib]), LANYARD_PUBLIC_URL: 'https://login.repo.example' },
      stdout: { write: (s: string) => ((out += s), true) },
      stderr: { write: () => true },
    };
    assert.equal(await configCheck.run([], io as never), 0);
    assert.match(out, /Provider "shib" \(shibboleth-headers, University of Example\)/);
    assert.match(out, /\/auth\/shib\/callback/);
    assert.match(out, /X-Lanyard-Proxy-Secret/);
    assert.doesNotMatch(out, /x{32}/, 'the secret is not printed');
  });

  const bad: [change: Record<string, unknown>, field: string, fix: RegExp][] = [
    [{ trustedProxies: undefined }, 'trustedProxies', /Apache/],
    [{ trustedProxies: [] }, 'trustedProxies', /127\.0\.0\.1/],
    [{ trustedProxies: ['apache.uni.example'] }, 'trustedProxies', /no host names/],
    [{ trustedProxies: ['10.0.0.0/33'] }, 'trustedProxies', /no host names/],
    [{ secret: undefined }, 'secret', /openssl rand/],
    [{ secret: 'short' }, 'secret', /openssl rand/],
    [{ secret: `${'x'.repeat(32)} y` }, 'secret', /openssl rand/],
    [{ secretHeader: 'Bad Header' }, 'secretHeader', /leave it out/],
    [{ secretHeader: 'eppn' }, 'headers', /secret another/],
    [{ idps: {} }, 'idps', /scopes/],
    [{ idps: { [UNI]: { scopes: ['*.example'] } } }, `idps.${UNI}`, /shibmd:Scope/],
    [{ idps: { [UNI]: ['uni.example'] } }, `idps.${UNI}`, /shibmd:Scope/],
    [{ trustEmailFrom: [LAB] }, 'trustEmailFrom', /entityIDs from "idps"/],
    [{ headers: { colour: 'x' } }, 'headers.colour', /idp, subjectId/],
    [{ headers: { eppn: 'mail' } }, 'headers', /twice/],
    [{ issuer: 'x' }, 'issuer', /use only trustedProxies/],
    [{ loginHandler: 'Shibboleth.sso/Login' }, 'loginHandler', /set it to null/],
    [{ loginHandler: '//evil.example/Login' }, 'loginHandler', /set it to null/],
    [{ loginHandler: 'javascript:alert(1)' }, 'loginHandler', /set it to null/],
    [{ loginHandler: true }, 'loginHandler', /set it to null/],
    [{ loginHandler: 'http://sp.uni.example/Shibboleth.sso/Login' }, 'loginHandler', /set it to null/],
  ];
  for (const [change, field, fix] of bad) {
    test(`${JSON.stringify(change)} → names "${field}" and the fix`, () => {
      assert.throws(
        () => loadConfig(providers([{ ...shib, ...change }])),
        (e: unknown) => {
          assert.ok(isLanyardError(e), String(e));
          assert.match(e.message, /LANYARD_PROVIDERS entry 1 \("shib"\)/);
          assert.ok(e.message.includes(`"${field}"`), e.message);
          assert.match(e.message, fix);
          return true;
        },
      );
    });
  }
});
