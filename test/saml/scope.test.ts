import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inScope } from '../../src/providers/saml/scope.js';

const uni = [{ value: 'kit.example', regexp: false }];
const pattern = [{ value: '[a-z]+\\.kit\\.example', regexp: true }];

test('a scope is a DNS name: only ASCII letters compare, case-insensitively', () => {
  assert.equal(inScope('alice@kit.example', uni), true);
  assert.equal(inScope('alice@KIT.Example', uni), true);
  assert.equal(inScope('alice@math.kit.example', pattern), true);
  // Look-alikes: a Cyrillic а, and the Kelvin sign K, which JavaScript lower-cases to an ASCII k.
  for (const value of ['alice@kit.ex\u0430mple', 'alice@\u212Ait.example', 'alice@math.\u212Ait.example'])
    for (const scopes of [uni, pattern]) assert.equal(inScope(value, scopes), false, `${value} in ${scopes[0]!.value}`);
  assert.equal(inScope('alice@uni-\u0430.example', [{ value: 'uni-a.example', regexp: false }]), false);
});

test('a scoped value is one value with one scope: white space or a second @ is refused, whatever scope it ends in', () => {
  const a = [{ value: 'uni-a.example', regexp: false }];
  assert.equal(inScope('member@uni-a.example', a), true);
  // Split at its white space (as a list of affiliations is), University B's faculty would come out.
  for (const value of [
    'faculty@uni-b.example member@uni-a.example',
    'faculty@uni-b.example\tmember@uni-a.example',
    'faculty@uni-b.example\nmember@uni-a.example',
    'faculty@uni-b.example\u00a0member@uni-a.example',
    'alice@uni-b.example@uni-a.example',
  ])
    for (const scopes of [a, [{ value: '.*', regexp: true }]])
      assert.equal(inScope(value, scopes), false, JSON.stringify(value));
});

test('a regexp scope that backtracks for ever grants nothing, and after three such tries is not run again; other patterns still match', () => {
  // (a|aa)+ against 60 a's and a '!' would take hours: the match is cut off and counts as none.
  const evil = [{ value: '(a|aa)+', regexp: true }];
  const value = `alice@${'a'.repeat(60)}!`;
  assert.equal(inScope('alice@aaaa', evil), true, 'the pattern itself matches what it should');
  for (let i = 0; i < 3; i++) assert.equal(inScope(value, evil), false);
  assert.equal(inScope('alice@aaaa', evil), false, 'a pattern that ran out of time three times grants nothing');
  assert.equal(inScope('alice@math.kit.example', pattern), true);
});

test('a scope longer than a DNS name (253 characters) is none', () => {
  const long = `${'a'.repeat(250)}.example`;
  assert.equal(inScope(`alice@${long}`, [{ value: long, regexp: false }]), false);
  assert.equal(inScope(`alice@${long}`, [{ value: '.*', regexp: true }]), false);
});
