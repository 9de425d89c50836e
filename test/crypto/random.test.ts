import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytesPooled, randomToken, tokenPattern } from '../../src/crypto/token.js';

test('tokens drawn from the pool are well-formed and never repeat, across many refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const t = randomToken();
    assert.match(t, tokenPattern);
    assert.ok(!seen.has(t), 'a token repeated');
    seen.add(t);
  }
  assert.equal(randomToken(16).length, 22);
  assert.equal(randomToken(300).length, 400);
});

test('pooled bytes are a copy: later draws and refills do not change them', () => {
  const iv = randomBytesPooled(12);
  const before = Buffer.from(iv);
  for (let i = 0; i < 1000; i++) randomToken();
  assert.deepEqual(iv, before);
  assert.notDeepEqual(iv, Buffer.alloc(12));
});
