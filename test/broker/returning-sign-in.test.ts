import assert from 'node:assert/strict';
import { test } from 'node:test';
import { open } from '../../src/crypto/seal.js';
import { createAccount } from '../../src/stores/accounts.js';
import { insertIdentity } from '../../src/stores/identities.js';
import { saveProviderTokens } from '../../src/stores/provider-tokens.js';
import { type ReturningSignIn, signInReturning } from '../../src/stores/returning-sign-in.js';
import { validateSession } from '../../src/stores/sessions.js';
import { countRows, expectNoChange } from '../support/db-snapshot.js';
import { forEachBackend } from '../support/suite.js';

/**
 * The returning sign-in's single statement (the broker's fast path for case 1) acts only where
 * `decide` would answer `sign_in` — a known identity whose account may sign in — and writes nothing
 * otherwise, so the full first-login transaction decides (and refuses) as always.
 */
forEachBackend('the returning sign-in statement', (ctx) => {
  let n = 0;
  const setUp = async (account: { status?: 'active' | 'disabled'; can_log_in?: boolean } = {}) => {
    const { lanyard } = ctx();
    const now = lanyard.clock.now();
    const a = await createAccount(
      lanyard.db,
      { email: `returning${++n}@example.org`, email_verified_at: now, ...account },
      now,
    );
    const subject = `0000-0002-0000-${String(n).padStart(4, '0')}`;
    const identity = await insertIdentity(lanyard.db, a.id, { provider: 'orcid', subject }, now);
    return { account: a, identity, subject };
  };
  const input = (subject: string, over: Partial<ReturningSignIn> = {}): ReturningSignIn => ({
    key: { provider: 'orcid', subject },
    refreshed: { profile: { name: 'Ada' } as never, email: 'ada@example.org', emailVerified: true },
    tokens: { accessToken: 'new-access', refreshToken: null, scopes: ['openid'], expiresAt: null },
    keys: ctx().lanyard.config.secretKeys,
    session: { amr: ['orcid'], ttlSeconds: 3600, ip: '192.0.2.7', userAgent: 'Firefox' },
    replaces: null,
    ...over,
  });

  test('an active account: the identity refreshed, tokens stored, a live session and its audit row', async () => {
    const { lanyard } = ctx();
    const { account, identity, subject } = await setUp();
    const done = await signInReturning(lanyard.db, input(subject), lanyard.clock.now());
    assert.ok(done);
    assert.equal(done.account.id, account.id);
    assert.deepEqual(done.earlierAgents, []);
    const session = await validateSession(lanyard.db, done.cookieValue, lanyard.clock.now());
    assert.equal(session?.account.id, account.id);
    assert.equal(session?.session.amr, 'orcid');
    const stored = await lanyard.db
      .selectFrom('provider_token')
      .selectAll()
      .where('identity_id', '=', identity.id)
      .executeTakeFirstOrThrow();
    assert.equal(open(lanyard.config.secretKeys, stored.access_token), 'new-access');
    const refreshed = await lanyard.db
      .selectFrom('identity')
      .selectAll()
      .where('id', '=', identity.id)
      .executeTakeFirstOrThrow();
    assert.equal(refreshed.email, 'ada@example.org');
    assert.ok(refreshed.last_used_at);
    assert.equal(await countRows(lanyard.db, 'audit_event', ['account_id', account.id]), 1);
  });

  test('the browser’s previous session is revoked (rotation); a second sign-in sees the first one’s device', async () => {
    const { lanyard } = ctx();
    const { subject } = await setUp();
    const first = await signInReturning(lanyard.db, input(subject), lanyard.clock.now());
    const second = await signInReturning(
      lanyard.db,
      input(subject, { replaces: first!.sessionId }),
      lanyard.clock.now(),
    );
    assert.deepEqual(second!.earlierAgents, ['Firefox']);
    assert.equal(await validateSession(lanyard.db, first!.cookieValue, lanyard.clock.now()), null);
    assert.ok(await validateSession(lanyard.db, second!.cookieValue, lanyard.clock.now()));
  });

  test('a granted token is not narrowed by a sign-in’s', async () => {
    const { lanyard } = ctx();
    const { identity, subject } = await setUp();
    const now = lanyard.clock.now();
    await saveProviderTokens(
      lanyard.db,
      lanyard.config.secretKeys,
      identity.id,
      {
        accessToken: 'granted',
        scopes: ['/activities/update', 'openid'],
        expiresAt: new Date(now.getTime() + 86_400_000),
      },
      now,
    );
    assert.ok(await signInReturning(lanyard.db, input(subject), now));
    const stored = await lanyard.db
      .selectFrom('provider_token')
      .selectAll()
      .where('identity_id', '=', identity.id)
      .executeTakeFirstOrThrow();
    assert.equal(open(lanyard.config.secretKeys, stored.access_token), 'granted');
  });

  for (const [label, account] of [
    ['a disabled account', { status: 'disabled' as const }],
    ['an account barred from signing in', { can_log_in: false }],
  ] as const)
    test(`${label}: null, and nothing written`, async () => {
      const { lanyard } = ctx();
      const { subject } = await setUp(account);
      await expectNoChange(lanyard.db, async () =>
        assert.equal(await signInReturning(lanyard.db, input(subject), lanyard.clock.now()), null),
      );
    });

  test('an unknown identity, or one of another provider: null, and nothing written', async () => {
    const { lanyard } = ctx();
    const { subject } = await setUp();
    await expectNoChange(lanyard.db, async () => {
      assert.equal(await signInReturning(lanyard.db, input('0000-0009-9999-9999'), lanyard.clock.now()), null);
      assert.equal(
        await signInReturning(lanyard.db, input(subject, { key: { provider: 'uni', subject } }), lanyard.clock.now()),
        null,
      );
    });
  });
});
