import { noticeOrEnd, type SessionStart, startSession } from '../accounts/sessions.js';
import { signInMethods } from '../accounts/amr.js';
import { signInReturning } from '../stores/returning-sign-in.js';
import { sealTokens } from '../stores/provider-tokens.js';
import type { Db } from '../db/connect.js';
import type { Account } from '../db/schema.js';
import { LanyardError } from '../errors.js';
import type { Lanyard } from '../lanyard.js';
import { type ExternalProfile, primaryVerifiedEmail, type ProviderPolicy } from '../providers/profile.js';
import { registerUnknownIdentity } from '../stores/first-sign-in.js';
import { sanitizeProfile } from '../providers/sanitize.js';
import { findAccountById } from '../stores/accounts.js';
import { recordAudit } from '../stores/audit.js';
import { findIdentity, isUniqueViolation, touchIdentity } from '../stores/identities.js';
import { touchIdentityWithTokens } from '../stores/provider-tokens.js';
import { createRegistration } from '../stores/registrations.js';
import { type Decision, decide } from './decide.js';
import { gatherFacts } from './facts.js';
import { linkIdentity, snapshotOf } from './link.js';
import { providerDetails } from './registrations.js';

export type Outcome =
  /** `autoLinked`: the identity was just linked by its verified email (case 3), with that address. */
  | { kind: 'session'; accountId: string; cookie: string; redirect: string; autoLinked?: { email: string } }
  | { kind: 'linked'; accountId: string; redirect: string }
  | { kind: 'registration'; token: string; registrationId: string; redirect: string }
  | { kind: 'refused'; error: LanyardError };

export interface BrokerContext {
  intent: 'sign_in' | 'link';
  /** Where to go after a sign-in (already checked against the allow-list). */
  returnTo: string;
  /**
   * The hash of the browser cookie of the browser completing this sign-in: a registration it
   * creates works only there (docs/security.md, "Registration tokens are bound to the browser").
   */
  browserHash: string;
  /** The browser's session facts; `signedInAccountId` only counts for intent 'link'. */
  session: Omit<SessionStart, 'accountId' | 'amr' | 'provider' | 'subject'> & { signedInAccountId: string | null };
}

/** Thrown (and caught) to run the flow again when a concurrent callback committed mid-way. */
const raceLost = new Error('a concurrent sign-in with the same identity committed first');

/**
 * Runs the first-login flow for an authenticated external profile: gather facts, decide, carry
 * out — in one transaction, so a failure leaves nothing half-written (docs/design.md §3 case 9). If a
 * concurrent callback for the same new identity won the race (unique violation), the flow runs
 * once more and now finds the identity: one identity, no duplicate account. The profile is
 * sanitized first, so no provider's raw data reaches a decision or a column.
 */
export async function brokerSignIn(lanyard: Lanyard, received: ExternalProfile, ctx: BrokerContext): Promise<Outcome> {
  const profile = await withKnownEmails(lanyard, await withKnownSubject(lanyard, sanitizeProfile(received)));
  if (ctx.intent === 'sign_in') {
    const returning = await signInKnownIdentity(lanyard, profile, ctx);
    if (returning) return returning;
  }
  const policy = lanyard.providers.get(profile.provider)?.policy ?? { trustEmail: false };
  if (ctx.intent === 'sign_in') {
    const registered = await registerWithoutEmail(lanyard, profile, ctx, policy);
    if (registered) return registered;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      return await lanyard.db.transaction().execute(async (tx) => {
        const signedIn = ctx.session.signedInAccountId
          ? ((await findAccountById(tx, ctx.session.signedInAccountId)) ?? null)
          : null;
        const { ownerAccount, ...facts } = await gatherFacts(tx, profile, ctx.intent, signedIn);
        const decision = decide(profile, facts, { ...policy, selfRegistration: lanyard.config.selfRegistration });
        // The facts are read by several statements: a concurrent callback for the same identity may
        // commit its link between them, so the account looks as if it had another identity of the
        // provider. If the identity itself exists now, that is the race, not a refusal: run again.
        if (
          attempt === 0 &&
          decision.kind === 'refuse' &&
          decision.code === 'IDENTITY_ALREADY_LINKED' &&
          !ctx.session.signedInAccountId &&
          (await findIdentity(tx, profile.provider, profile.subject))
        )
          throw raceLost;
        return carryOut(lanyard, tx, decision, profile, ctx, ownerAccount);
      });
    } catch (e) {
      if (attempt === 0 && (isUniqueViolation(e) || e === raceLost)) continue;
      throw e;
    }
  }
}

/**
 * Case 1, the common one — a known identity of an active account signs in — as one statement
 * (`signInReturning`) instead of the transaction of `brokerSignIn`, with the same effects: the
 * identity's snapshot and tokens refreshed, the browser's session rotated, the sign-in audited, a
 * new device noticed. `decide` would answer `sign_in` for exactly these facts (an identity with an
 * owner that may sign in, whatever session the browser has, as the intent is not `link`). When they
 * do not hold, nothing was written and `null` sends the flow down the full path.
 */
async function signInKnownIdentity(lanyard: Lanyard, profile: ExternalProfile, ctx: BrokerContext) {
  const now = lanyard.clock.now();
  const { provider, subject } = profile;
  const email = primaryVerifiedEmail(profile.emails);
  const { ip = null, userAgent = null, replaces = null } = ctx.session;
  const done = await signInReturning(
    lanyard.db,
    {
      key: { provider, subject },
      refreshed: { profile: snapshotOf(profile), email: email?.address ?? null, emailVerified: email !== null },
      tokens: profile.tokens,
      keys: lanyard.config.secretKeys,
      session: {
        amr: signInMethods(lanyard.config, provider, profile.amr),
        ttlSeconds: lanyard.config.sessionTtlSeconds,
        ip,
        userAgent,
      },
      replaces,
    },
    now,
  );
  if (!done) return null;
  await noticeOrEnd(
    lanyard,
    done.account,
    { provider, ip, userAgent, replaces },
    done.earlierAgents,
    done.sessionId,
    now,
  );
  return { kind: 'session' as const, accountId: done.account.id, cookie: done.cookieValue, redirect: ctx.returnTo };
}

/**
 * Case 5 for an unknown identity — no email that could link it (none released, none verified, or
 * the provider's not trusted) — as one statement (`registerUnknownIdentity`) instead of the
 * transaction of `brokerSignIn`, with the same effects: the registration, bound to the browser, and
 * its audit row. `decide` is asked as the full path would ask it for an unknown identity; only its
 * answers that read no account (not `email_unknown`, whose email might belong to an account) are
 * carried out here, and only while no identity of this (provider, subject) exists, which the
 * statement checks. Otherwise nothing was written and `null` sends the flow down the full path.
 */
async function registerWithoutEmail(
  lanyard: Lanyard,
  profile: ExternalProfile,
  ctx: BrokerContext,
  policy: ProviderPolicy,
): Promise<Outcome | null> {
  const decision = decide(
    profile,
    { intent: ctx.intent, identityOwner: null, signedIn: null, emailOwner: null },
    { ...policy, selfRegistration: lanyard.config.selfRegistration },
  );
  if (decision.kind !== 'registration' || decision.email !== null || decision.reason === 'email_unknown') return null;
  const { provider, subject } = profile;
  const done = await registerUnknownIdentity(
    lanyard.db,
    {
      key: { provider, subject },
      profile: { ...snapshotOf(profile), reason: decision.reason },
      sealedTokens: profile.tokens ? sealTokens(lanyard.config.secretKeys, profile.tokens) : null,
      browserHash: ctx.browserHash,
      returnTo: ctx.returnTo,
      ttlSeconds: lanyard.config.tokenTtl.EXTERNAL,
      ip: ctx.session.ip ?? null,
    },
    lanyard.clock.now(),
  );
  if (!done) return null;
  return {
    kind: 'registration',
    token: done.token,
    registrationId: done.registrationId,
    redirect: `/external-login/${done.token}`,
  };
}

/**
 * The subject the identity is kept under: the provider's preferred one, else the first of its
 * `formerSubjects` an identity of this provider already has — so a returning person whose IdP now
 * sends a better identifier first signs in to their account, instead of being taken for someone
 * new (a second account, or a link their account refuses as it has an identity of the provider).
 */
async function withKnownSubject(lanyard: Lanyard, profile: ExternalProfile): Promise<ExternalProfile> {
  const { formerSubjects = [], ...rest } = profile;
  if (formerSubjects.length === 0) return rest;
  const known = await lanyard.db
    .selectFrom('identity')
    .select('subject')
    .where('provider', '=', profile.provider)
    .where('subject', 'in', [profile.subject, ...formerSubjects])
    .execute();
  const found = new Set(known.map((k) => k.subject));
  if (found.has(profile.subject)) return rest;
  const former = formerSubjects.find((s) => found.has(s));
  return former ? { ...rest, subject: former } : rest;
}

/**
 * Emails are needed to decide about a new identity; a returning one signs in by its subject alone.
 * So when a provider could not list the emails (its email API down), a known identity continues with
 * the emails it had, and only a new one fails with the provider's error.
 */
async function withKnownEmails(lanyard: Lanyard, profile: ExternalProfile): Promise<ExternalProfile> {
  const { emailsUnavailable: error, ...rest } = profile;
  if (!error) return profile;
  const known = await findIdentity(lanyard.db, profile.provider, profile.subject);
  if (!known) throw error;
  lanyard.log.warn(
    { code: error.code, provider: profile.provider },
    'email lookup failed; signing in a known identity without it',
  );
  return { ...rest, emails: known.profile.emails ?? [] };
}

/** The one place a decision becomes effects. */
async function carryOut(
  lanyard: Lanyard,
  tx: Db,
  decision: Decision,
  profile: ExternalProfile,
  ctx: BrokerContext,
  ownerAccount: Account | null,
): Promise<Outcome> {
  const now = lanyard.clock.now();
  const { provider, subject } = profile;
  const sessionFor = (accountId: string) =>
    startSession(lanyard, tx, {
      ...ctx.session,
      accountId,
      ...(ownerAccount ? { account: ownerAccount } : {}),
      amr: profile.amr,
      provider,
      subject,
    });

  switch (decision.kind) {
    case 'sign_in': {
      const email = primaryVerifiedEmail(profile.emails);
      // Refresh the snapshot and tokens (docs/design.md §3 case 1).
      const key = { provider, subject };
      const refreshed = { profile: snapshotOf(profile), email: email?.address ?? null, emailVerified: email !== null };
      if (profile.tokens)
        await touchIdentityWithTokens(tx, key, refreshed, lanyard.config.secretKeys, profile.tokens, now);
      else await touchIdentity(tx, key, refreshed, now);
      return {
        kind: 'session',
        accountId: decision.accountId,
        cookie: await sessionFor(decision.accountId),
        redirect: ctx.returnTo,
      };
    }
    case 'already_linked':
      return { kind: 'linked', accountId: decision.accountId, redirect: '/profile' };
    case 'link': {
      const account = (await findAccountById(tx, decision.accountId))!;
      await linkIdentity(
        lanyard,
        tx,
        account,
        { provider, subject, snapshot: snapshotOf(profile), tokens: profile.tokens },
        {
          via: decision.via,
          actorAccountId: decision.via === 'session' ? account.id : null,
          ip: ctx.session.ip ?? null,
        },
      );
      if (!decision.signIn) return { kind: 'linked', accountId: account.id, redirect: '/profile' };
      return {
        kind: 'session',
        accountId: account.id,
        cookie: await sessionFor(account.id),
        redirect: ctx.returnTo,
        autoLinked: { email: account.email },
      };
    }
    case 'registration': {
      const { registration, token } = await createRegistration(
        tx,
        {
          type: 'EXTERNAL',
          email: decision.email,
          provider,
          subject,
          profile: { ...snapshotOf(profile), reason: decision.reason },
          sealedTokens: profile.tokens ? sealTokens(lanyard.config.secretKeys, profile.tokens) : null,
          browserHash: ctx.browserHash,
          returnTo: ctx.returnTo,
        },
        lanyard.config.tokenTtl.EXTERNAL,
        now,
      );
      await recordAudit(
        tx,
        {
          action: 'registration_created',
          provider,
          subject,
          ip: ctx.session.ip ?? null,
          detail: { reason: decision.reason, registrationId: registration.id },
        },
        now,
      );
      return { kind: 'registration', token, registrationId: registration.id, redirect: `/external-login/${token}` };
    }
    case 'refuse': {
      await recordAudit(
        tx,
        {
          action: 'link_refused',
          outcome: 'failure',
          accountId: decision.accountId,
          provider,
          subject,
          ip: ctx.session.ip ?? null,
          detail: { code: decision.code },
        },
        now,
      );
      return {
        kind: 'refused',
        error: new LanyardError(
          decision.code,
          refusalMessage[decision.code] ?? 'This sign-in cannot be completed.',
          providerDetails(lanyard, provider),
        ),
      };
    }
  }
}

const refusalMessage: Partial<Record<string, string>> = {
  IDENTITY_LINKED_ELSEWHERE: 'This identity is already linked to another account.',
  IDENTITY_ALREADY_LINKED: 'The account already has an identity of this provider.',
  ACCOUNT_DISABLED: 'This account is disabled.',
  ACCOUNT_EMAIL_UNVERIFIED: 'The account has not verified its email address yet.',
};
