import type { MailResult } from '../mail/limit.js';
import type { RegistrationType } from '../config/schema.js';
import { type SessionStart, startSession } from '../accounts/sessions.js';
import type { Db } from '../db/connect.js';
import type { Account, Registration } from '../db/schema.js';
import { LanyardError, isLanyardError } from '../errors.js';
import type { Locale } from '../i18n/index.js';
import type { Lanyard } from '../lanyard.js';
import { changedAt, endLinksOf } from '../accounts/email-change.js';
import { localeOf } from '../accounts/password-accounts.js';
import { createAccount, findAccountByEmail, canSignIn, updateAccount } from '../stores/accounts.js';
import { recordAudit } from '../stores/audit.js';
import { findIdentity, identityOf } from '../stores/identities.js';
import { openTokens } from '../stores/provider-tokens.js';
import {
  checkRegistrationToken,
  claimForMerge,
  consumeRegistrationToken,
  createRegistration,
  fromOriginBrowser,
  markMerged,
  addProvedBrowser,
  registrationForProof,
  usedRegistration,
} from '../stores/registrations.js';
import { linkIdentity } from './link.js';
import type { ExternalProfile } from '../providers/profile.js';
import { sanitizeProfile } from '../providers/sanitize.js';

/** Registration types that carry an external identity waiting to be linked. */
export const externalTypes: readonly RegistrationType[] = ['EXTERNAL', 'VALIDATION'];

const hours = (s: number) => Math.max(1, Math.round(s / 3600));

type SessionInfo = Omit<SessionStart, 'accountId' | 'amr' | 'provider' | 'subject'>;
/**
 * Carry the step out without starting a session: the REST API, where DSpace's contract has the
 * client sign in with the provider afterwards (docs/design.md, DSpace §4.4). Not signing in there
 * also means a forged cross-site request cannot sign a browser in to someone else's account.
 */
export type NoSession = SessionInfo & { signIn: false };
type Started<S> = S extends NoSession ? null : string;
const signsIn = (session: SessionInfo | NoSession) => !('signIn' in session && session.signIn === false);

/**
 * Who is using a registration token (docs/security.md, "Registration tokens are bound to the
 * browser"). `browser`: the hash of the caller's browser cookie. `confirmed`: the person confirmed
 * on a mailed link that the named identity is theirs (a REST client confirms in its own UI).
 */
export interface TokenUse {
  browser: string | null;
  confirmed?: boolean;
  /** The registration the caller names (`/epersons/{uuid}?token=`): the token must be its own. */
  expectId?: string;
  /** The language the person creates the account in: its mail speaks it from the first one on. */
  locale?: Locale;
}

/**
 * A mailed link proves the mailbox, not who asked for it — a mistyped address reaches somebody
 * else. So it is used only in a browser that proved the identity: the one that completed the
 * provider sign-in, or one where the person signed in with the same identity since
 * (`proveRegistration`); elsewhere IDENTITY_PROOF_REQUIRED, for the pages and the REST API alike.
 * There the mailbox owner still confirms the identity named on the page (a REST client confirms
 * in its own UI).
 */
function checkConfirmed(lanyard: Lanyard, reg: Registration, use: TokenUse): void {
  if (reg.mailed && !fromOriginBrowser(reg, use.browser)) throw proofRequired(lanyard, reg);
  if (reg.mailed && !use.confirmed)
    throw new LanyardError('CONFIRMATION_REQUIRED', 'Confirm that this identity is yours first.');
}

/**
 * Refusal of a mailed link in a browser that has not proved its identity. `page`: Lanyard's page
 * of the link, where that proof is offered (the REST API names its URL: `continueAt`).
 */
const proofRequired = (lanyard: Lanyard, reg: Registration) =>
  new LanyardError(
    'IDENTITY_PROOF_REQUIRED',
    'Sign in with the provider in this browser first, or open the link in the browser that signed in.',
    {
      ...providerDetails(lanyard, reg.provider),
      page: reg.type === 'VALIDATION' ? 'review-account' : 'external-login',
    },
  );

/**
 * A mailed link opened in another browser (docs/security.md, "A mailed link needs the identity
 * too"): the person signed in there with a provider, and `received` is who that provider
 * authenticated. The same identity as the registration's → its link works in this browser
 * (`browser`) too, beside the browser of the first sign-in. Anyone else → IDENTITY_PROOF_MISMATCH,
 * audited, nothing changed: whoever holds a mailbox cannot finish a sign-in somebody else started.
 */
export async function proveRegistration(
  lanyard: Lanyard,
  registrationId: string,
  received: ExternalProfile,
  browser: string,
  ip: string | null,
): Promise<Registration> {
  const now = lanyard.clock.now();
  const reg = await registrationForProof(lanyard.db, registrationId, now);
  // As the broker names an identity: the sanitized subject, or a former one the provider still reports.
  const proven = sanitizeProfile(received);
  const subjects = [proven.subject, ...(proven.formerSubjects ?? [])];
  if (reg.provider !== proven.provider || !subjects.includes(reg.subject!)) {
    await recordAudit(
      lanyard.db,
      {
        action: 'link_refused',
        outcome: 'failure',
        provider: proven.provider,
        subject: proven.subject,
        ip,
        detail: { code: 'IDENTITY_PROOF_MISMATCH', registration: reg.id },
      },
      now,
    );
    throw new LanyardError(
      'IDENTITY_PROOF_MISMATCH',
      'This sign-in is not the identity the link was sent for.',
      providerDetails(lanyard, reg.provider),
    );
  }
  return lanyard.db.transaction().execute(async (tx) => {
    await addProvedBrowser(tx, reg.id, browser, now);
    await recordAudit(
      tx,
      {
        action: 'registration_proved',
        provider: reg.provider,
        subject: reg.subject,
        ip,
        detail: { registration: reg.id },
      },
      now,
    );
    return reg;
  });
}

function linkInputOf(lanyard: Lanyard, reg: Registration) {
  return {
    provider: reg.provider!,
    subject: reg.subject!,
    snapshot: reg.profile,
    tokens: reg.sealed_tokens ? openTokens(lanyard.config.secretKeys, reg.sealed_tokens) : null,
  };
}

/** Whether "Create my account" can be offered: the email is proven, unused, and self-registration is on. */
export async function canCreateFrom(lanyard: Lanyard, db: Db, reg: Registration): Promise<boolean> {
  return (
    lanyard.config.selfRegistration &&
    reg.type === 'EXTERNAL' &&
    reg.email !== null &&
    !(await findAccountByEmail(db, reg.email))
  );
}

/**
 * DSpace's `registrations/search/findByToken` (docs/design.md, DSpace §4.2), checked like every
 * other use of a token: an expired or used one is refused (DSpace does not check: DSpace §6.2 item
 * 4); an unknown one is REGISTRATION_NOT_FOUND (DSpace: 404). `user` is the account whose email
 * equals the registration's — shown to the token holder by design (DSpace §1.3).
 */
export async function findRegistrationByToken(
  lanyard: Lanyard,
  token: string,
  browser: string | null,
): Promise<{ registration: Registration; user: Account | null }> {
  let registration: Registration;
  try {
    registration = await checkRegistrationToken(lanyard.db, token, { now: lanyard.clock.now(), browser });
  } catch (e) {
    if (isLanyardError(e) && e.code === 'TOKEN_INVALID')
      throw new LanyardError('REGISTRATION_NOT_FOUND', 'No registration has this token.');
    throw e;
  }
  const user = registration.email ? ((await findAccountByEmail(lanyard.db, registration.email)) ?? null) : null;
  return { registration, user };
}

/** How long after a token was used a repeat of that request (a double click) is told what it did. */
const REPEAT_SECONDS = 60;

/**
 * What the request that used `token` did, for a repeat of it from the browser of the sign-in
 * within a minute (a double click on "Create my account" or "Send the link", whose second request
 * finds the token used): the account it created and where the sign-in was going, or that it
 * mailed a link. Null for anything else — another browser, later, a token never used — which stays
 * TOKEN_CONSUMED.
 */
export async function repeatOf(
  lanyard: Lanyard,
  token: string,
  browser: string | null,
): Promise<{ kind: 'created'; accountId: string; returnTo: string | null } | { kind: 'mailed' } | null> {
  const reg = await usedRegistration(lanyard.db, token);
  const now = lanyard.clock.now();
  if (!reg || !fromOriginBrowser(reg, browser) || now.getTime() - reg.consumed_at!.getTime() > REPEAT_SECONDS * 1000)
    return null;
  const identity = reg.provider && reg.subject ? await findIdentity(lanyard.db, reg.provider, reg.subject) : null;
  if (reg.type === 'EXTERNAL' && identity && reg.merged_into === null)
    return { kind: 'created', accountId: identity.account_id, returnTo: reg.return_to };
  if (!identity && (await laterMailedRegistration(lanyard.db, reg))) return { kind: 'mailed' };
  return null;
}

/** Whether an email change made a mailed registration from `reg` (same identity, same browser) after it. */
async function laterMailedRegistration(db: Db, reg: Registration): Promise<boolean> {
  const row = await db
    .selectFrom('registration')
    .select('id')
    .where('provider', '=', reg.provider)
    .where('subject', '=', reg.subject)
    .where('mailed', '=', true)
    .where('created_at', '>=', reg.consumed_at!)
    .where('id', '!=', reg.id)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * "Create my account" (docs/design.md §3 cases 4 and 5): the registration's email is proven (the
 * provider verified it, or the person opened the link mailed to it), so the account starts verified.
 */
export async function createAccountFromRegistration<S extends SessionInfo | NoSession>(
  lanyard: Lanyard,
  token: string,
  session: S,
  use: TokenUse,
): Promise<{ account: Account; cookie: Started<S> | null; returnTo: string | null }> {
  return lanyard.db.transaction().execute(async (tx) => {
    const now = lanyard.clock.now();
    const reg = await consumeRegistrationToken(tx, token, {
      types: ['EXTERNAL'],
      now,
      browser: use.browser,
      ...(use.expectId ? { id: use.expectId } : {}),
    });
    checkConfirmed(lanyard, reg, use);
    if (!lanyard.config.selfRegistration)
      throw new LanyardError('SELF_REGISTRATION_DISABLED', 'This service does not allow creating accounts.');
    if (!reg.email) throw new LanyardError('REGISTRATION_EMAIL_STATE', 'An email address is needed first.');
    if (await findAccountByEmail(tx, reg.email))
      throw new LanyardError('EMAIL_TAKEN', 'An account with this email exists already.');
    if (await findIdentity(tx, reg.provider!, reg.subject!))
      throw new LanyardError('IDENTITY_LINKED_ELSEWHERE', 'This identity is already linked to another account.');
    const p = reg.profile;
    const account = await createAccount(
      tx,
      {
        email: reg.email,
        email_verified_at: now,
        given_name: p.givenName ?? null,
        family_name: p.familyName ?? null,
        display_name: p.displayName ?? null,
        self_registered: true,
        locale: use.locale ?? null,
      },
      now,
    );
    await recordAudit(
      tx,
      {
        action: 'register',
        accountId: account.id,
        provider: reg.provider,
        subject: reg.subject,
        ip: session.ip ?? null,
      },
      now,
    );
    await linkIdentity(lanyard, tx, account, linkInputOf(lanyard, reg), {
      via: 'registration',
      ip: session.ip ?? null,
    });
    const cookie =
      signsIn(session) && fromOriginBrowser(reg, use.browser)
        ? await startSession(lanyard, tx, {
            ...session,
            accountId: account.id,
            // What the provider reported is not kept through a registration; the provider is the method.
            amr: [],
            provider: reg.provider!,
            subject: reg.subject,
          })
        : null;
    return { account, cookie: cookie as Started<S> | null, returnTo: reg.return_to };
  });
}

export interface EmailChangeExpectation {
  /** The registration the caller names (`PATCH /registrations/{id}?token=`): the token must be its own. */
  id?: string;
  /** JSON Patch `add` expects no email yet, `replace` an existing one (DSpace RegistrationEmailPatchOperation: else 422). */
  email?: 'absent' | 'present';
  /** The hash of the caller's browser cookie: a bound registration's email changes only in its browser. */
  browser: string | null;
}

/**
 * "We need your email" / "Use another email" (docs/design.md §3 case 5; DSpace's PATCH /email). The old
 * token dies (docs/design.md §4: changing the email rotates the token) and a new link goes to the
 * address — VALIDATION when an account owns it (into /review-account), else EXTERNAL. The caller
 * answers the same either way: no enumeration. `base`: where the link points (src/http/ui-links.ts).
 */
export async function changeRegistrationEmail(
  lanyard: Lanyard,
  token: string,
  email: string,
  locale: Locale,
  expect: EmailChangeExpectation,
  base = lanyard.config.publicUrl,
): Promise<MailResult> {
  const { config } = lanyard;
  return lanyard.db.transaction().execute(async (tx) => {
    const now = lanyard.clock.now();
    const old = await consumeRegistrationToken(tx, token, {
      types: externalTypes,
      now,
      browser: expect.browser,
      ...(expect.id !== undefined ? { id: expect.id } : {}),
    });
    // A mailed link sent on elsewhere keeps its browser: from a browser that has not proved the
    // identity that would hand the sign-in's browser a link to an address of the sender's choice.
    if (old.mailed && !fromOriginBrowser(old, expect.browser)) throw proofRequired(lanyard, old);
    if (expect.email !== undefined && (old.email === null) !== (expect.email === 'absent')) {
      throw new LanyardError(
        'REGISTRATION_EMAIL_STATE',
        old.email
          ? 'This registration has an email already: replace it.'
          : 'This registration has no email yet: add one.',
      );
    }
    const owner = await findAccountByEmail(tx, email);
    const type: RegistrationType = owner ? 'VALIDATION' : 'EXTERNAL';
    const ttl = config.tokenTtl[type];
    const { registration, token: fresh } = await createRegistration(
      tx,
      {
        type,
        email: owner?.email ?? email,
        provider: old.provider,
        subject: old.subject,
        profile: old.profile,
        sealedTokens: old.sealed_tokens,
        browserHash: old.browser_hash,
        provedBrowserHash: old.proved_browser_hash,
        mailed: true,
        returnTo: old.return_to,
      },
      ttl,
      now,
    );
    const page = `${owner ? 'review-account' : 'external-login'}/${fresh}`;
    const link = `${base}/${page}`;
    const params = {
      link,
      ...(base !== config.publicUrl ? { otherDevice: `${config.publicUrl}/${page}` } : {}),
      validHours: hours(ttl),
      provider: lanyard.providers.identityName(old.provider, owner ? localeOf(owner, locale) : locale),
      identifier: lanyard.providers.identifier(old.provider, old.subject, old.profile.issuer),
    };
    const sent = await lanyard.queueMail(
      tx,
      owner ? 'validation_link' : 'external_link',
      registration.email!,
      owner ? localeOf(owner, locale) : locale,
      params,
    );
    await recordAudit(
      tx,
      {
        action: 'registration_email_changed',
        provider: old.provider,
        subject: old.subject,
        detail: { from: old.id, to: registration.id },
      },
      now,
    );
    return sent;
  });
}

export type ReviewField = 'givenName' | 'familyName' | 'email';
export type ReviewChoices = Partial<Record<ReviewField, 'received' | 'current'>>;

export interface ReviewRow {
  field: ReviewField;
  received: string | null;
  current: string | null;
}

/**
 * The account a registration may be merged into. VALIDATION: the account that owns the
 * registration's email — derived, never taken from the URL (DSpace hole, DSpace §6.2 item 2).
 * EXTERNAL: only the signed-in account, and only when it signed in recently (`viewerFresh`,
 * `LANYARD_REAUTH_SECONDS`): the merge adds a way into the account and may give it the received
 * email, so — like adding a password or changing the email on /profile — a session someone else
 * got hold of must not do it.
 */
export async function mergeTarget(
  db: Db,
  reg: Registration,
  viewer: Account | null,
  viewerFresh: boolean,
  browser: string | null,
  claimedTargetId?: string,
): Promise<Account> {
  let target: Account | undefined;
  if (reg.type === 'VALIDATION') {
    target = reg.email ? await findAccountByEmail(db, reg.email) : undefined;
    if (!target) throw new LanyardError('TOKEN_INVALID', 'The account for this link no longer exists.');
    if (viewer && viewer.id !== target.id)
      throw new LanyardError('FORBIDDEN', 'You are signed in to a different account.');
  } else {
    // A mailed EXTERNAL link proves a mailbox no account uses — nothing about the signed-in
    // account — so linking into that account happens only in the browser of the provider sign-in.
    if (!fromOriginBrowser(reg, browser))
      throw new LanyardError('REGISTRATION_OTHER_BROWSER', 'This link belongs to the browser that signed in.');
    if (!viewer) throw new LanyardError('AUTH_REQUIRED', 'Sign in to the account you want to link.');
    if (!viewerFresh) throw new LanyardError('REAUTH_REQUIRED', 'Sign in again to link this identity to your account.');
    target = viewer;
  }
  if (claimedTargetId !== undefined && claimedTargetId !== target.id)
    throw new LanyardError('FORBIDDEN', 'This link cannot be merged into that account.');
  if (!canSignIn(target)) throw new LanyardError('ACCOUNT_DISABLED', 'This account is disabled.');
  return target;
}

/** Received vs current values for the review page (docs/design.md §3 case 6). */
export async function reviewRegistration(
  lanyard: Lanyard,
  token: string,
  viewer: Account | null,
  viewerFresh: boolean,
  browser: string | null,
): Promise<{ registration: Registration; target: Account; rows: ReviewRow[] }> {
  const reg = await checkRegistrationToken(lanyard.db, token, {
    types: externalTypes,
    now: lanyard.clock.now(),
    browser,
  });
  const target = await mergeTarget(lanyard.db, reg, viewer, viewerFresh, browser);
  const rows: ReviewRow[] = [
    { field: 'givenName', received: reg.profile.givenName ?? null, current: target.given_name },
    { field: 'familyName', received: reg.profile.familyName ?? null, current: target.family_name },
  ];
  if (reg.type === 'EXTERNAL' && reg.email) rows.push({ field: 'email', received: reg.email, current: target.email });
  return { registration: reg, target, rows };
}

/**
 * Review & merge: one submit applies every choice, links the identity and signs in to the
 * target. Empty fields are filled from the received values; a field is replaced only when chosen.
 * DSpace's UI sends one call per chosen field: for `mergeFollowUpSeconds` after the merge the same
 * token may apply further choices to the same account, and nothing else (`claimForMerge`).
 */
export async function mergeRegistration<S extends SessionInfo | NoSession>(
  lanyard: Lanyard,
  token: string,
  input: {
    viewer: Account | null;
    /** The viewer signed in within `LANYARD_REAUTH_SECONDS` (see `mergeTarget`). */
    viewerFresh: boolean;
    choices: ReviewChoices;
    claimedTargetId?: string;
    session: S;
    use: TokenUse;
  },
): Promise<{ account: Account; cookie: Started<S> | null; provider: string | null; returnTo: string | null }> {
  const { use } = input;
  try {
    return await lanyard.db.transaction().execute(async (tx) => {
      const now = lanyard.clock.now();
      const { registration: reg, followUp } = await claimForMerge(tx, token, {
        types: externalTypes,
        now,
        followUpSeconds: lanyard.config.mergeFollowUpSeconds,
        browser: use.browser,
        ...(use.expectId ? { id: use.expectId } : {}),
      });
      const target = await mergeTarget(tx, reg, input.viewer, input.viewerFresh, use.browser, input.claimedTargetId);
      checkConfirmed(lanyard, reg, use);
      const linked = await findIdentity(tx, reg.provider!, reg.subject!);
      // A follow-up only adds overrides to the account the first merge linked, while the link holds.
      const nothingToAdd = Object.keys(input.choices).length === 0;
      if (followUp && (nothingToAdd || target.id !== reg.merged_into || linked?.account_id !== target.id))
        throw new LanyardError('TOKEN_CONSUMED', 'This link has already been used.');
      const who = providerDetails(lanyard, reg.provider);
      if (linked && linked.account_id !== target.id)
        throw new LanyardError('IDENTITY_LINKED_ELSEWHERE', 'This identity is already linked to another account.', who);
      if (!linked && (await identityOf(tx, target.id, reg.provider!))) {
        throw new LanyardError('IDENTITY_ALREADY_LINKED', 'The account already has an identity of this provider.', who);
      }
      // VALIDATION: the link reached the account's inbox — that proves the address now.
      if (reg.type === 'EXTERNAL' && !target.email_verified_at)
        throw new LanyardError('ACCOUNT_EMAIL_UNVERIFIED', 'Verify the account email first.');
      const pick = (field: ReviewField, received: string | null | undefined, current: string | null) =>
        received && (input.choices[field] === 'received' || !current) ? received : current;
      const email =
        reg.type === 'EXTERNAL' && reg.email && input.choices.email === 'received' ? reg.email : target.email;
      if (email !== target.email && (await findAccountByEmail(tx, email)))
        throw new LanyardError('EMAIL_TAKEN', 'Another account uses that email.');
      const givenName = pick('givenName', reg.profile.givenName, target.given_name);
      const familyName = pick('familyName', reg.profile.familyName, target.family_name);
      // The name shown (pages, the OpenID claim `name`) follows the names kept: the provider's own
      // form of it when both came from there, else the two parts (as a name change on /profile).
      const bothReceived =
        givenName === (reg.profile.givenName ?? null) && familyName === (reg.profile.familyName ?? null);
      const displayName =
        givenName === target.given_name && familyName === target.family_name
          ? target.display_name
          : bothReceived
            ? (reg.profile.displayName ?? null)
            : null;
      const account = await updateAccount(
        tx,
        target.id,
        {
          given_name: givenName,
          family_name: familyName,
          display_name: displayName,
          email,
          email_verified_at: target.email_verified_at ?? now,
        },
        now,
      );
      if (email !== target.email) {
        await recordAudit(tx, { action: 'email_change', accountId: account.id, detail: { via: 'review' } }, now);
        // As an email change on /profile: the old address's links end, and the old address is told.
        await endLinksOf(tx, account.id, now);
        await lanyard.queueMail(tx, 'email_changed', target.email, localeOf(target), {
          email,
          at: changedAt(now),
          profileLink: `${lanyard.config.publicUrl}/profile`,
        });
      }
      await recordAudit(
        tx,
        {
          action: 'merge',
          accountId: account.id,
          actorAccountId: input.viewer?.id ?? null,
          provider: reg.provider,
          subject: reg.subject,
          detail: { type: reg.type, choices: input.choices, ...(followUp ? { followUp } : {}) },
        },
        now,
      );
      if (!followUp) await markMerged(tx, reg.id, account.id);
      if (!linked)
        await linkIdentity(lanyard, tx, account, linkInputOf(lanyard, reg), {
          via: reg.type === 'VALIDATION' ? 'validation' : 'review',
          actorAccountId: input.viewer?.id ?? null,
          ip: input.session.ip ?? null,
        });
      const cookie =
        signsIn(input.session) && fromOriginBrowser(reg, use.browser)
          ? await startSession(lanyard, tx, {
              ...input.session,
              accountId: account.id,
              // What the provider reported is not kept through a registration; the provider is the method.
              amr: [],
              provider: reg.provider!,
              subject: reg.subject,
            })
          : null;
      return { account, cookie: cookie as Started<S> | null, provider: reg.provider, returnTo: reg.return_to };
    });
  } catch (e) {
    if (
      e instanceof LanyardError &&
      ['IDENTITY_LINKED_ELSEWHERE', 'IDENTITY_ALREADY_LINKED', 'FORBIDDEN', 'REGISTRATION_OTHER_BROWSER'].includes(
        e.code,
      )
    ) {
      await recordAudit(
        lanyard.db,
        {
          action: 'link_refused',
          outcome: 'failure',
          actorAccountId: input.viewer?.id ?? null,
          ip: input.session.ip ?? null,
          detail: { code: e.code },
        },
        lanyard.clock.now(),
      );
    }
    throw e;
  }
}

/**
 * How refusals name the provider (`{provider}`, `{identity}` in the messages): in English, with
 * `providerId`, from which a page names it in its own language (src/http/errors.ts).
 */
export function providerDetails(lanyard: Lanyard, key: string | null): Record<string, string> {
  return {
    provider: lanyard.providers.get(key)?.label('en') ?? key ?? '',
    identity: lanyard.providers.identityName(key),
    ...(key ? { providerId: key } : {}),
  };
}
