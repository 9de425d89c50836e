import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidOrcid, mintOrcid, orcidCheckDigit } from '../../../src/emulator/orcid/index.js';
import { createTestEmulator, USERS } from './helpers.js';

test('§1.10 MOD 11-2 check digit matches the documented examples, including X', () => {
  for (const id of ['0000-0002-1825-0097', '0000-0002-1694-233X', '0000-0001-5109-3700', '0009-0001-5055-9262']) {
    const digits = id.replaceAll('-', '');
    assert.equal(orcidCheckDigit(digits.slice(0, 15)), digits[15], id);
  }
});

test('§1.10 iD validation rejects a wrong check digit, a lower-case x and a bad format', () => {
  assert.equal(isValidOrcid('0000-0002-1825-0097'), true);
  assert.equal(isValidOrcid('0000-0002-1825-0098'), false);
  assert.equal(isValidOrcid('0000-0002-1694-233x'), false);
  assert.equal(isValidOrcid('0000000218250097'), false);
  assert.equal(isValidOrcid('https://orcid.org/0000-0002-1825-0097'), false);
});

test('§1.10 minted iDs fall in the 0009 block with a valid checksum and avoid taken ones', () => {
  const taken = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const id = mintOrcid(taken);
    assert.match(id, /^0009-00(0\d|10)-\d{4}-\d{3}[\dX]$/);
    assert.ok(isValidOrcid(id), id);
    assert.ok(!taken.has(id));
    taken.add(id);
  }
});

test('§1.10 fixtures include an iD ending in X, and adding a user with a bad check digit is refused', async () => {
  const { state } = await createTestEmulator();
  assert.ok(state.users.get(USERS.endsInX));
  assert.ok(USERS.endsInX.endsWith('X'));
  assert.throws(() => state.addUser({ orcid: '0000-0002-1825-0098', givenNames: 'Bad' }), /check digit/);
  assert.ok(isValidOrcid(state.addUser({ givenNames: 'Minted' }).orcid));
});
