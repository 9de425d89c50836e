import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerSignIn, type BrokerContext } from '../../src/broker/execute.js';
import { hashToken } from '../../src/crypto/token.js';
import { isLanyardError } from '../../src/errors.js';
import type { ExternalProfile } from '../../src/providers/profile.js';
import { createAccount } from '../../src/stores/accounts.js';
import { registerUnknownIdentity, type UnknownIdentityRegistration } from '../../src/stores/first-sign-in.js';
import { insertIdentity } from '../../src/stores/identities.js';
import { openTokens, sealTokens } from '../../src/stores/provider-tokens.js';
import { checkRegistrationToken } from '../../src/stores/registrations.js';
import { countRows, expectNoChange } from '../support/db-snapshot.js';
import { forEachBackend } from '../support/suite.js';
import { withOrcid } from '../support/test-app.js';

/**
 * The first sign-in's single statement (the broker's fast path for case 5 of an unknown identity)
 * writes only where `decide` would answer a registration without an email — no identity of this
 * (provider, subject) — and nothing otherwise, so the full first-login transaction decides as always.
 * ORCID is configured as by default (its verified emails trusted), so case 3 links through the full path.
 */
forEachBackend(
  'the first sign-in statement',
  (ctx) => {
    let n = 0;
    const subjectOf = () => `0000-0003-0000-${String(++n).padStart(4, '0')}`;
    const known = async (
      subject: string,
      account: { status?: 'active' | 'disabled'; email_verified_at?: null } = {},
    ) => {
      const { lanyard } = ctx();
      const now = lanyard.clock.now();
      const a = await createAccount(
        lanyard.db,
        { email: `first${n}@example.org`, email_verified_at: now, ...account },
        now,
      );
      await insertIdentity(lanyard.db, a.id, { provider: 'orcid', subject }, now);
      return a;
    };
    const tokens = {
      accessToken: 'first-access',
      refreshToken: 'first-refresh',
      scopes: ['/authenticate'],
      expiresAt: null,
    };
    const input = (subject: string, over: Partial<UnknownIdentityRegistration> = {}): UnknownIdentityRegistration => ({
      key: { provider: 'orcid', subject },
      profile: { givenName: 'Ada', familyName: 'Lovelace', emails: [], reason: 'no_email' },
      sealedTokens: sealTokens(ctx().lanyard.config.secretKeys, tokens),
      browserHash: 'a'.repeat(64),
      returnTo: '/profile',
      ttlSeconds: 3600,
      ip: '192.0.2.9',
      ...over,
    });

    test('an unknown identity: a registration bound to the browser, its token hashed, tokens sealed, audited', async () => {
      const { lanyard } = ctx();
      const subject = subjectOf();
      const now = lanyard.clock.now();
      const done = await registerUnknownIdentity(lanyard.db, input(subject), now);
      assert.ok(done);
      const reg = await lanyard.db
        .selectFrom('registration')
        .selectAll()
        .where('id', '=', done.registrationId)
        .executeTakeFirstOrThrow();
      assert.equal(reg.token_hash, hashToken(done.token));
      assert.notEqual(reg.token_hash, done.token);
      assert.equal(reg.type, 'EXTERNAL');
      assert.equal(reg.email, null);
      assert.equal(reg.mailed, false);
      assert.equal(reg.return_to, '/profile');
      assert.equal(reg.expires_at.getTime(), now.getTime() + 3600_000);
      assert.equal(reg.profile.reason, 'no_email');
      assert.deepEqual(
        openTokens(lanyard.config.secretKeys, reg.sealed_tokens!),
        openTokens(lanyard.config.secretKeys, input(subject).sealedTokens!),
      );
      // Bound to the browser of the sign-in: it works there, and only there. Read outside a
      // transaction (a prepared statement naming the columns) and inside one, the row is the same.
      const read = await checkRegistrationToken(lanyard.db, done.token, {
        types: ['EXTERNAL'],
        now,
        browser: 'a'.repeat(64),
      });
      assert.deepEqual(read, reg);
      const readInTransaction = await lanyard.db
        .transaction()
        .execute((tx) => checkRegistrationToken(tx, done.token, { types: ['EXTERNAL'], now, browser: 'a'.repeat(64) }));
      assert.deepEqual(readInTransaction, reg);
      await assert.rejects(
        checkRegistrationToken(lanyard.db, done.token, { types: ['EXTERNAL'], now, browser: 'b'.repeat(64) }),
        (e) => isLanyardError(e) && e.code === 'REGISTRATION_OTHER_BROWSER',
      );
      const audit = await lanyard.db
        .selectFrom('audit_event')
        .selectAll()
        .where('action', '=', 'registration_created')
        .where('subject', '=', subject)
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.provider, 'orcid');
      assert.equal(audit[0]!.ip, '192.0.2.9');
      assert.equal(audit[0]!.account_id, null);
      assert.deepEqual(audit[0]!.detail, { reason: 'no_email', registrationId: done.registrationId });
    });

    for (const [label, account] of [
      ['an active account', {}],
      ['a disabled account', { status: 'disabled' as const }],
    ] as const)
      test(`an identity known to ${label}: null, and nothing written`, async () => {
        const { lanyard } = ctx();
        const subject = subjectOf();
        await known(subject, account);
        await expectNoChange(lanyard.db, async () =>
          assert.equal(await registerUnknownIdentity(lanyard.db, input(subject), lanyard.clock.now()), null),
        );
      });

    const profileOf = (subject: string, emails: ExternalProfile['emails'] = []): ExternalProfile => ({
      provider: 'orcid',
      subject,
      issuer: 'https://orcid.org',
      emails,
      givenName: 'Ada',
      familyName: 'Lovelace',
      displayName: null,
      tokens,
      amr: [],
    });
    const signIn: BrokerContext = {
      intent: 'sign_in',
      returnTo: '/profile',
      browserHash: 'c'.repeat(64),
      session: { ip: '192.0.2.10', userAgent: 'Firefox', replaces: null, signedInAccountId: null },
    };

    test('through the broker: a private or unverified email makes one registration, as the full path did', async () => {
      const { lanyard } = ctx();
      for (const [emails, reason] of [
        [[], 'no_email'],
        [[{ address: 'ada@example.org', verified: false, primary: true }], 'email_unverified'],
      ] as const) {
        const subject = subjectOf();
        const outcome = await brokerSignIn(lanyard, profileOf(subject, [...emails]), signIn);
        assert.equal(outcome.kind, 'registration');
        assert.ok(outcome.kind === 'registration');
        assert.equal(outcome.redirect, `/external-login/${outcome.token}`);
        const reg = await checkRegistrationToken(lanyard.db, outcome.token, {
          types: ['EXTERNAL'],
          now: lanyard.clock.now(),
          browser: 'c'.repeat(64),
        });
        assert.equal(reg.id, outcome.registrationId);
        assert.equal(reg.profile.reason, reason);
        assert.deepEqual(reg.profile.emails, emails);
        assert.equal(await countRows(lanyard.db, 'registration', ['subject', subject]), 1);
        assert.equal(await countRows(lanyard.db, 'identity', ['subject', subject]), 0);
      }
    });

    test('through the broker: a known identity of a disabled account is refused, no registration made', async () => {
      const { lanyard } = ctx();
      const subject = subjectOf();
      const account = await known(subject, { status: 'disabled' });
      const outcome = await brokerSignIn(lanyard, profileOf(subject), signIn);
      assert.equal(outcome.kind, 'refused');
      assert.ok(outcome.kind === 'refused');
      assert.equal(outcome.error.code, 'ACCOUNT_DISABLED');
      assert.equal(await countRows(lanyard.db, 'registration', ['subject', subject]), 0);
      assert.equal(await countRows(lanyard.db, 'audit_event', ['account_id', account.id]), 1);
    });

    test('through the broker: a verified email of an account links it (case 3), no registration made', async () => {
      const { lanyard } = ctx();
      const now = lanyard.clock.now();
      const subject = subjectOf();
      const account = await createAccount(lanyard.db, { email: `linked${n}@example.org`, email_verified_at: now }, now);
      const outcome = await brokerSignIn(
        lanyard,
        profileOf(subject, [{ address: account.email, verified: true, primary: true }]),
        signIn,
      );
      assert.equal(outcome.kind, 'session');
      assert.equal(await countRows(lanyard.db, 'registration', ['subject', subject]), 0);
      assert.equal(await countRows(lanyard.db, 'identity', ['account_id', account.id]), 1);
    });
  },
  withOrcid,
);
