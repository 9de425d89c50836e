import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AccountFacts,
  type BrokerFacts,
  type BrokerPolicy,
  type Decision,
  decide,
} from '../../src/broker/decide.js';

const account = (id: string, over: Partial<AccountFacts> = {}): AccountFacts => ({
  id,
  active: true,
  emailVerified: true,
  hasProvider: false,
  ...over,
});
const facts = (over: Partial<BrokerFacts> = {}): BrokerFacts => ({
  intent: 'sign_in',
  identityOwner: null,
  signedIn: null,
  emailOwner: null,
  ...over,
});
const verified = [{ address: 'r@uni.example', verified: true }];
const unverified = [{ address: 'r@uni.example', verified: false }];
const on: BrokerPolicy = { trustEmail: true, selfRegistration: true };

/** Each row: docs/design.md case, the inputs, and the one decision the broker must make. */
const table: {
  name: string;
  emails: { address: string; verified: boolean; primary?: boolean }[];
  facts: BrokerFacts;
  policy?: BrokerPolicy;
  expect: Decision;
}[] = [
  {
    name: '1 identity known → sign in',
    emails: verified,
    facts: facts({ identityOwner: account('A') }),
    expect: { kind: 'sign_in', accountId: 'A' },
  },
  {
    name: '1 identity known, account disabled → refuse',
    emails: [],
    facts: facts({ identityOwner: account('A', { active: false }) }),
    expect: { kind: 'refuse', code: 'ACCOUNT_DISABLED', accountId: 'A' },
  },
  {
    name: '1 identity known wins over a matching email of another account',
    emails: verified,
    facts: facts({ identityOwner: account('A'), emailOwner: account('B') }),
    expect: { kind: 'sign_in', accountId: 'A' },
  },
  {
    name: '2 signed-in user links',
    emails: [],
    facts: facts({ intent: 'link', signedIn: account('S') }),
    expect: { kind: 'link', accountId: 'S', via: 'session', signIn: false },
  },
  {
    name: '2 linking ignores a matching email of another account',
    emails: verified,
    facts: facts({ intent: 'link', signedIn: account('S'), emailOwner: account('B') }),
    expect: { kind: 'link', accountId: 'S', via: 'session', signIn: false },
  },
  {
    name: '2 the signed-in account already has another iD → refuse',
    emails: [],
    facts: facts({ intent: 'link', signedIn: account('S', { hasProvider: true }) }),
    expect: { kind: 'refuse', code: 'IDENTITY_ALREADY_LINKED', accountId: 'S' },
  },
  {
    name: '2 the signed-in account has an unverified email → refuse',
    emails: [],
    facts: facts({ intent: 'link', signedIn: account('S', { emailVerified: false }) }),
    expect: { kind: 'refuse', code: 'ACCOUNT_EMAIL_UNVERIFIED', accountId: 'S' },
  },
  {
    name: '2 the iD is already on this account → nothing to do',
    emails: [],
    facts: facts({ intent: 'link', signedIn: account('S'), identityOwner: account('S') }),
    expect: { kind: 'already_linked', accountId: 'S' },
  },
  {
    name: '8 the iD is linked to another account → refuse',
    emails: [],
    facts: facts({ intent: 'link', signedIn: account('S'), identityOwner: account('O') }),
    expect: { kind: 'refuse', code: 'IDENTITY_LINKED_ELSEWHERE', accountId: 'S' },
  },
  {
    name: '2 intent link without a signed-in user is an ordinary sign-in',
    emails: [],
    facts: facts({ intent: 'link' }),
    expect: { kind: 'registration', reason: 'no_email', email: null, canCreate: true },
  },
  {
    name: '3 trusted verified email matches a verified account → link and sign in',
    emails: verified,
    facts: facts({ emailOwner: account('B') }),
    expect: { kind: 'link', accountId: 'B', via: 'email', signIn: true },
  },
  {
    name: '3 → 5 the matching account never verified its email',
    emails: verified,
    facts: facts({ emailOwner: account('B', { emailVerified: false }) }),
    expect: { kind: 'registration', reason: 'account_email_unverified', email: null, canCreate: true },
  },
  {
    name: '3 the matching account is disabled → refuse',
    emails: verified,
    facts: facts({ emailOwner: account('B', { active: false }) }),
    expect: { kind: 'refuse', code: 'ACCOUNT_DISABLED', accountId: 'B' },
  },
  {
    name: '3 → 5 the matching account was merged into another (disabled, its person signs in elsewhere) → ask for the address',
    emails: verified,
    facts: facts({ emailOwner: account('B', { active: false, merged: true }) }),
    expect: { kind: 'registration', reason: 'account_merged', email: null, canCreate: true },
  },
  {
    name: '3 the matching account has another iD → refuse',
    emails: verified,
    facts: facts({ emailOwner: account('B', { hasProvider: true }) }),
    expect: { kind: 'refuse', code: 'IDENTITY_ALREADY_LINKED', accountId: 'B' },
  },
  {
    name: '3 → 5 trustEmail off: the email is not used',
    emails: verified,
    facts: facts({ emailOwner: account('B') }),
    policy: { trustEmail: false, selfRegistration: true },
    expect: { kind: 'registration', reason: 'email_untrusted', email: null, canCreate: true },
  },
  {
    name: '4 trusted verified email, no account → registration with that email',
    emails: verified,
    facts: facts(),
    expect: { kind: 'registration', reason: 'email_unknown', email: 'r@uni.example', canCreate: true },
  },
  {
    name: '4 + 7 self-registration off → no create option',
    emails: verified,
    facts: facts(),
    policy: { trustEmail: true, selfRegistration: false },
    expect: { kind: 'registration', reason: 'email_unknown', email: 'r@uni.example', canCreate: false },
  },
  {
    name: '5 no email released',
    emails: [],
    facts: facts(),
    expect: { kind: 'registration', reason: 'no_email', email: null, canCreate: true },
  },
  {
    name: '5 only an unverified email, even one matching an account → never auto-link',
    emails: unverified,
    facts: facts({ emailOwner: account('B') }),
    expect: { kind: 'registration', reason: 'email_unverified', email: null, canCreate: true },
  },
  {
    name: '5 + 7 no email and self-registration off',
    emails: [],
    facts: facts(),
    policy: { trustEmail: true, selfRegistration: false },
    expect: { kind: 'registration', reason: 'no_email', email: null, canCreate: false },
  },
  {
    name: 'the primary verified email is the one used',
    emails: [
      { address: 'second@x.example', verified: true },
      { address: 'primary@x.example', verified: true, primary: true },
      { address: 'bad@x.example', verified: false, primary: true },
    ],
    facts: facts(),
    expect: { kind: 'registration', reason: 'email_unknown', email: 'primary@x.example', canCreate: true },
  },
];

for (const row of table) {
  test(`case ${row.name}`, () => {
    assert.deepEqual(decide({ emails: row.emails }, row.facts, row.policy ?? on), row.expect);
  });
}
