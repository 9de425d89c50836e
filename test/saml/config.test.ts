import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { isLanyardError } from '../../src/errors.js';
import { addSamlUser, forEachBackendWithSamlIdp, spKeys } from '../support/saml-sign-in.js';
import { PUBLIC_URL } from '../support/test-app.js';

const base = { LANYARD_SECRET_KEY: 'b'.repeat(64), LANYARD_DATA_DIR: 'memory://', LANYARD_ORCID_ENV: 'off' };
const production = {
  ...base,
  LANYARD_DATABASE_URL: 'postgres://lanyard@db.example/lanyard',
  LANYARD_SMTP_URL: 'smtp://mail.example:25',
};
const uni: Record<string, unknown> = {
  id: 'uni',
  type: 'saml',
  label: 'University A',
  idpMetadataUrl: 'https://idp.uni-a.example/idp/shibboleth',
  ...spKeys(),
};
const withEntry = (entry: Record<string, unknown>, env: Record<string, string> = production) => ({
  ...env,
  LANYARD_PROVIDERS: JSON.stringify([entry]),
});

describe('a saml entry of the providers list', () => {
  test('a valid entry: SP entityID, metadata and ACS URLs from the public URL, safe defaults', () => {
    const config = loadConfig({ ...withEntry(uni), LANYARD_PUBLIC_URL: 'https://login.repo.example' });
    const entry = config.providers[0]!;
    assert.equal(entry.type, 'saml');
    if (entry.type !== 'saml') return;
    assert.equal(entry.spEntityId, 'https://login.repo.example/auth/uni/metadata');
    assert.equal(entry.acsUrl, 'https://login.repo.example/auth/uni/acs');
    assert.equal(entry.trustEmail, false);
    assert.equal(entry.allowIdpInitiated, false);
    assert.equal(entry.clockSkewSeconds, 180);
    assert.equal(entry.requireValidUntil, true, 'an aggregate must say when it runs out');
    assert.deepEqual(entry.source, { kind: 'idp', url: uni.idpMetadataUrl, file: null, certificate: null });
  });

  const bad: [change: Record<string, unknown>, field: string, fix: RegExp][] = [
    [{ idpMetadataUrl: undefined }, 'idpMetadataUrl', /exactly one of idpMetadataUrl, idpMetadataFile/],
    [{ idpMetadataFile: '/x.xml' }, 'idpMetadataFile', /exactly one of/],
    [{ idpMetadataUrl: 'http://idp.uni-a.example/metadata' }, 'idpMetadataUrl', /https/],
    [
      { idpMetadataUrl: undefined, federationMetadataUrl: 'https://fed.example/md.xml' },
      'federationCert',
      /signing certificate/,
    ],
    [{ signingKey: undefined, signingCert: undefined }, 'signingKey', /npx lanyard saml keygen/],
    [{ encryptionKey: undefined, encryptionCert: undefined }, 'encryptionKey', /npx lanyard saml keygen/],
    [{ encryptionCert: undefined }, 'encryptionCert', /npx lanyard saml keygen/],
    [{ signingKey: spKeys().encryptionKey }, 'signingKey', /npx lanyard saml keygen/],
    [{ clockSkewSeconds: 3600 }, 'clockSkewSeconds', /0 to 900/],
    [{ allowIdpInitiated: 'yes' }, 'allowIdpInitiated', /true or false/],
    [{ nameIdFormat: 'emailAddress' }, 'nameIdFormat', /auto/],
    [{ metadata: 'x' }, 'metadata', /use only idpMetadataUrl/],
  ];
  for (const [change, field, fix] of bad)
    test(`refused: ${JSON.stringify(change).slice(0, 80)} → names "${field}" and the fix`, () => {
      const entry = { ...uni, ...change };
      for (const k of Object.keys(entry))
        if (entry[k as keyof typeof entry] === undefined) delete entry[k as keyof typeof entry];
      assert.throws(
        () => loadConfig(withEntry(entry)),
        (e) => {
          assert.ok(isLanyardError(e), String(e));
          assert.equal(e.code, 'CONFIG_INVALID');
          assert.match(e.message, /LANYARD_PROVIDERS entry 1 \("uni"\)/);
          assert.equal(e.details?.field, field, e.message);
          assert.match(e.message, fix);
          return true;
        },
      );
    });

  test('plain http metadata is accepted from loopback addresses only', () => {
    const entry = loadConfig(withEntry({ ...uni, idpMetadataUrl: 'http://127.0.0.1:8080/metadata' })).providers[0];
    assert.equal(entry?.type === 'saml' && entry.source.url, 'http://127.0.0.1:8080/metadata');
  });

  test('config check prints the SP metadata and ACS URLs, never the private keys', async () => {
    const { configCheck } = await import('../../src/cli/commands/config-check.js');
    let out = '';
    const io = {
      env: { ...withEntry(uni), LANYARD_PUBLIC_URL: 'https://login.repo.example' },
      stdout: { write: (s: string) => ((out += s), true) },
      stderr: { write: () => true },
    };
    assert.equal(await configCheck.run([], io as never), 0);
    assert.match(out, /Provider "uni" \(saml, University A\)/);
    assert.match(out, /SP metadata: https:\/\/login\.repo\.example\/auth\/uni\/metadata\n/);
    assert.match(out, /ACS \(HTTP-POST\): https:\/\/login\.repo\.example\/auth\/uni\/acs\n/);
    assert.doesNotMatch(out, /PRIVATE KEY/);
  });

  test('config check names a missing key and the command that makes one', async () => {
    const { configCheck } = await import('../../src/cli/commands/config-check.js');
    let err = '';
    const { signingKey: _k, signingCert: _c, ...noKeys } = uni;
    const io = {
      env: withEntry(noKeys),
      stdout: { write: () => true },
      stderr: { write: (s: string) => ((err += s), true) },
    };
    assert.equal(await configCheck.run([], io as never), 1);
    assert.match(err, /"signingKey" and signingCert are missing.*npx lanyard saml keygen/);
  });
});

forEachBackendWithSamlIdp('the SAML service provider', (ctx) => {
  test('its metadata: entityID, the ACS over HTTP-POST, a signing and an encryption certificate, persistent NameIDs', async () => {
    const page = await ctx().app.browser().get('/auth/uni/metadata');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /application\/samlmetadata\+xml/);
    assert.match(page.body, new RegExp(`entityID="${PUBLIC_URL}/auth/uni/metadata"`));
    assert.match(
      page.body,
      new RegExp(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${PUBLIC_URL}/auth/uni/acs"`),
    );
    assert.match(page.body, /<md:KeyDescriptor use="signing">/);
    assert.match(page.body, /<md:KeyDescriptor use="encryption">/);
    assert.match(page.body, /nameid-format:persistent/);
    assert.doesNotMatch(page.body, /emailAddress|PRIVATE KEY/);
  });

  test('the AuthnRequest goes over HTTP-Redirect to the IdP, names our ACS, asks for a persistent NameID, never emailAddress', async () => {
    const { app, idp } = ctx();
    await addSamlUser(idp, {});
    const start = await app.browser().get('/auth/uni');
    assert.equal(start.status, 303);
    const url = new URL(start.location!);
    assert.equal(`${url.origin}${url.pathname}`, `${idp.baseUrl}/sso/redirect`);
    const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
    assert.match(xml, /<samlp:AuthnRequest/);
    assert.match(xml, new RegExp(`AssertionConsumerServiceURL="${PUBLIC_URL}/auth/uni/acs"`));
    assert.match(xml, new RegExp(`Destination="${idp.baseUrl}/sso/redirect"`));
    assert.match(xml, /ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"/);
    assert.match(xml, /Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"/);
    assert.doesNotMatch(xml, /emailAddress/);
    assert.doesNotMatch(xml, /ForceAuthn/, 'a sign-in may use the IdP session');
    const id = xml.match(/ ID="([^"]+)"/)![1]!;
    const pending = await app.lanyard.db
      .selectFrom('flow_state')
      .select('key')
      .where('key', '=', `saml:req:${id}`)
      .execute();
    assert.equal(pending.length, 1, 'the request waits server-side under its ID');
  });

  test('an unknown ?idp= is a 400 naming it, and nothing is stored', async () => {
    const { app } = ctx();
    const before = await app.lanyard.db.selectFrom('flow_state').select('key').execute();
    const page = await app.browser().get(`/auth/uni?idp=${encodeURIComponent('https://idp.elsewhere.example/idp')}`);
    assert.equal(page.status, 400);
    assert.match(page.body, /SAML_IDP_UNKNOWN/);
    assert.match(page.body, /idp\.elsewhere\.example/);
    assert.equal((await app.lanyard.db.selectFrom('flow_state').select('key').execute()).length, before.length);
  });
});
