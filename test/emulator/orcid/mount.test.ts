import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { createOrcidEmulatorState, orcidEmulatorPlugin } from '../../../src/emulator/orcid/index.js';
import { MEMBER, REDIRECT_URI, USERS } from './helpers.js';

test("§6.1 mounted under a prefix in another app, every URL is built from baseUrl and the host's parsers are untouched", async () => {
  const baseUrl = 'http://localhost:3000/orcid-emulator';
  const app = Fastify();
  // The host app has its own form parser; the emulator must neither clash with it nor change it.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );
  app.post('/host/form', async (request) => request.body);
  const state = createOrcidEmulatorState({ baseUrl });
  await app.register(orcidEmulatorPlugin, { state, prefix: '/orcid-emulator' });
  await app.ready();

  const doc = (
    await app.inject({ url: '/orcid-emulator/.well-known/openid-configuration', headers: { host: 'elsewhere:9999' } })
  ).json();
  assert.equal(doc.issuer, baseUrl);
  assert.equal(doc.token_endpoint, `${baseUrl}/oauth/token`);

  const auth = await app.inject(
    `/orcid-emulator/oauth/authorize?client_id=${MEMBER.clientId}&response_type=code&scope=openid` +
      `&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&login_as=${USERS.publicEmail}`,
  );
  assert.match(String(auth.headers['set-cookie']), /Path=\/orcid-emulator;/);
  const code = new URL(String(auth.headers.location)).searchParams.get('code')!;
  const token = await app.inject({
    method: 'POST',
    url: '/orcid-emulator/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      ...{ client_id: MEMBER.clientId, client_secret: MEMBER.clientSecret },
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
    }).toString(),
  });
  assert.equal(token.statusCode, 200);
  const idToken = JSON.parse(Buffer.from(token.json().id_token.split('.')[1], 'base64url').toString());
  assert.equal(idToken.iss, baseUrl);

  const host = await app.inject({
    method: 'POST',
    url: '/host/form',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'a=1',
  });
  assert.deepEqual(host.json(), { a: '1' });
  await app.close();
});
