import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestEmulator, getCode, signIn } from './helpers.js';

test('§1.4 expired codes are swept, so code storage stays bounded over a long run', async () => {
  const emu = await createTestEmulator();
  for (let i = 0; i < 50; i++) await getCode(emu.app);
  assert.equal(emu.state.codes.size, 50);
  emu.state.advanceClock(10 * 60 * 1000 + 1);
  await getCode(emu.app);
  assert.equal(emu.state.codes.size, 1, 'issuing a code sweeps the expired ones');
});

test('§6 past maxTokens the oldest token pair is forgotten and behaves as revoked', async () => {
  const emu = await createTestEmulator({ maxTokens: 3 });
  const first = await signIn(emu.app);
  for (let i = 0; i < 3; i++) await signIn(emu.app);
  assert.equal(emu.state.tokens.size, 3);
  const res = await emu.app.inject({
    url: '/oauth/userinfo',
    headers: { authorization: `Bearer ${first.access_token}` },
  });
  assert.equal(res.statusCode, 403);
});
