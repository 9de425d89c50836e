import { canonicalEmail } from '../accounts/email-address.js';
import type { RegistrationType } from '../config/schema.js';
import { addSeconds } from '../clock.js';
import { hashToken, randomToken, safeEqual, tokenPattern } from '../crypto/token.js';
import { type Db, preparedStatement } from '../db/connect.js';
import type { ProfileSnapshot, Registration } from '../db/schema.js';
import { LanyardError } from '../errors.js';
import { isUuid } from './accounts.js';

export interface NewRegistration {
  type: RegistrationType;
  email?: string | null;
  provider?: string | null;
  subject?: string | null;
  profile?: ProfileSnapshot;
  sealedTokens?: string | null;
  accountId?: string | null;
  /** The browser that completed the provider sign-in (hash of its browser cookie), carried on to mailed links. */
  browserHash?: string | null;
  /** A browser that proved the identity since (`addProvedBrowser`), carried on to a link sent on from there. */
  provedBrowserHash?: string | null;
  /** The token goes out by mail: it proves the mailbox only, so it works only in a browser that proved the identity. */
  mailed?: boolean;
  /** Where the sign-in was going (a checked local path or allowed URL); the flow ends there. */
  returnTo?: string | null;
}

/** Creates a registration and returns its token; only the token's hash is stored (docs/design.md §4). */
export async function createRegistration(
  db: Db,
  input: NewRegistration,
  ttlSeconds: number,
  now: Date,
): Promise<{ registration: Registration; token: string }> {
  const token = randomToken();
  const registration = await db
    .insertInto('registration')
    .values({
      token_hash: hashToken(token),
      type: input.type,
      email: input.email == null ? null : canonicalEmail(input.email),
      provider: input.provider ?? null,
      subject: input.subject ?? null,
      profile: JSON.stringify(input.profile ?? {}),
      sealed_tokens: input.sealedTokens ?? null,
      account_id: input.accountId ?? null,
      browser_hash: input.browserHash ?? null,
      proved_browser_hash: input.provedBrowserHash ?? null,
      mailed: input.mailed ?? false,
      return_to: input.returnTo ?? null,
      created_at: now,
      expires_at: addSeconds(now, ttlSeconds),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { registration, token };
}

export interface TokenExpectation {
  /** The registration the caller names (`/registrations/{id}?token=`): the token must be its own. */
  id?: string;
  types?: readonly RegistrationType[];
  now: Date;
  /** The hash of the using browser's browser cookie (null: none). Bound registrations need their own. */
  browser?: string | null;
}

/**
 * A registration a provider sign-in created is bound to the browser that completed that sign-in:
 * its token is in that browser's address bar, and someone else's browser must not finish the flow
 * (linking a stranger's identity, or login CSRF). A mailed token may be read anywhere (it proves a
 * mailbox), and is used only where `fromOriginBrowser` holds (src/broker/registrations.ts).
 */
export const boundToBrowser = (reg: Registration): boolean => reg.provider !== null && !reg.mailed;

/** Whether `browser` completed the registration's provider sign-in, or proved its identity since. */
export const fromOriginBrowser = (reg: Registration, browser: string | null | undefined): boolean =>
  !!browser && [reg.browser_hash, reg.proved_browser_hash].some((hash) => hash !== null && safeEqual(hash, browser));

/**
 * Checks a token without using it up: it must exist, be unconsumed, unexpired, of an expected
 * type and belong to the named registration. Each failure has its own code; none says whose it is.
 */
export async function checkRegistrationToken(
  db: Db,
  token: string | undefined,
  expect: TokenExpectation,
): Promise<Registration> {
  const reg = await lookup(db, token);
  assertUsable(reg, expect);
  return reg;
}

/**
 * Uses a token up, atomically: one UPDATE … WHERE consumed_at IS NULL AND expires_at > now.
 * Of two concurrent requests with the same token exactly one gets the row.
 */
export async function consumeRegistrationToken(
  db: Db,
  token: string | undefined,
  expect: TokenExpectation,
): Promise<Registration> {
  const reg = await lookup(db, token);
  assertUsable(reg, expect);
  const consumed = await db
    .updateTable('registration')
    .set({ consumed_at: expect.now })
    .where('id', '=', reg.id)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', expect.now)
    .returningAll()
    .executeTakeFirst();
  if (!consumed) throw new LanyardError('TOKEN_CONSUMED', 'This link has already been used.');
  return consumed;
}

/**
 * A merge's hold on its token. The first merge consumes it (`followUp: false`). Afterwards, for
 * `followUpSeconds` after that merge and while the token is unexpired, the same token may come back
 * (`followUp: true`) — only for further overrides of the account it was merged into, which the
 * caller checks against `merged_into`. Any other use of a consumed token stays TOKEN_CONSUMED.
 * Of two concurrent first merges, the loser waits on the row, then finds it merged: a follow-up.
 */
export async function claimForMerge(
  db: Db,
  token: string | undefined,
  expect: TokenExpectation & { followUpSeconds: number },
): Promise<{ registration: Registration; followUp: boolean }> {
  try {
    return { registration: await consumeRegistrationToken(db, token, expect), followUp: false };
  } catch (e) {
    if (!(e instanceof LanyardError && e.code === 'TOKEN_CONSUMED')) throw e;
    const reg = await lookup(db, token);
    const open =
      reg.merged_into !== null &&
      reg.consumed_at !== null &&
      expect.now.getTime() - reg.consumed_at.getTime() < expect.followUpSeconds * 1000 &&
      reg.expires_at > expect.now;
    if (!open) throw e;
    assertUsable({ ...reg, consumed_at: null }, expect);
    return { registration: reg, followUp: true };
  }
}

/** Records the account a registration was merged into (see `claimForMerge`). */
export async function markMerged(db: Db, registrationId: string, accountId: string): Promise<void> {
  await db.updateTable('registration').set({ merged_into: accountId }).where('id', '=', registrationId).execute();
}

/**
 * The live mailed registration a proof sign-in names (by id, from its signed flow): unconsumed,
 * unexpired, carrying an identity. Anything else is TOKEN_INVALID / TOKEN_CONSUMED / TOKEN_EXPIRED.
 */
export async function registrationForProof(db: Db, id: string, now: Date): Promise<Registration> {
  const reg = isUuid(id)
    ? await db.selectFrom('registration').selectAll().where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!reg || !reg.mailed || reg.provider === null || reg.subject === null)
    throw new LanyardError('TOKEN_INVALID', 'This link is not valid.');
  assertUsable(reg, { now });
  return reg;
}

/** A mailed registration works in the browser that proved its identity too (`proveRegistration`). */
export async function addProvedBrowser(db: Db, id: string, browserHash: string, now: Date): Promise<void> {
  const added = await db
    .updateTable('registration')
    .set({ proved_browser_hash: browserHash })
    .where('id', '=', id)
    .where('mailed', '=', true)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(added.numUpdatedRows) === 0) throw new LanyardError('TOKEN_CONSUMED', 'This link has already been used.');
}

// Every column of a registration, named (the compiler keeps the list complete): a prepared
// statement's result type is fixed, so `registration.*` would break running processes when a
// migration adds a column (`preparedStatement`).
const registrationColumns: Record<keyof Registration, true> = {
  id: true,
  token_hash: true,
  type: true,
  email: true,
  provider: true,
  subject: true,
  profile: true,
  sealed_tokens: true,
  account_id: true,
  created_at: true,
  expires_at: true,
  consumed_at: true,
  merged_into: true,
  browser_hash: true,
  proved_browser_hash: true,
  mailed: true,
  return_to: true,
};

// A token's registration, read on every page and API call that shows one (the external-login page
// after a first sign-in): prepared once per connection when read outside a transaction.
const byTokenHash = preparedStatement(
  `select ${Object.keys(registrationColumns).join(', ')} from registration where token_hash = $1::text`,
);

/**
 * The provider whose identity a live registration token would link (null for an unknown, used or
 * expired token, or one of a password registration): the sign-in page for it offers every other way
 * in. Reads only; nothing says whose the token is.
 */
export async function providerOfToken(db: Db, token: string, now: Date): Promise<string | null> {
  if (!tokenPattern.test(token)) return null;
  const reg = (await db.executeQuery<Registration>(byTokenHash([hashToken(token)]))).rows[0];
  return reg && !reg.consumed_at && reg.expires_at > now ? reg.provider : null;
}

/** The registration a token named, when the token was used already; null when unknown or unused. */
export async function usedRegistration(db: Db, token: string | undefined): Promise<Registration | null> {
  const reg = await lookup(db, token).catch(() => null);
  return reg?.consumed_at ? reg : null;
}

async function lookup(db: Db, token: string | undefined): Promise<Registration> {
  if (!token || !tokenPattern.test(token)) throw new LanyardError('TOKEN_INVALID', 'This link is not valid.');
  const reg = db.isTransaction
    ? await db.selectFrom('registration').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst()
    : (await db.executeQuery<Registration>(byTokenHash([hashToken(token)]))).rows[0];
  if (!reg) throw new LanyardError('TOKEN_INVALID', 'This link is not valid.');
  return reg;
}

function assertUsable(reg: Registration, expect: TokenExpectation): void {
  if (expect.id !== undefined && (!isUuid(expect.id) || reg.id !== expect.id)) {
    throw new LanyardError('TOKEN_REGISTRATION_MISMATCH', 'This token does not belong to that registration.');
  }
  if (reg.consumed_at) throw new LanyardError('TOKEN_CONSUMED', 'This link has already been used.');
  if (reg.expires_at <= expect.now) throw new LanyardError('TOKEN_EXPIRED', 'This link has expired.');
  if (expect.types && !expect.types.includes(reg.type))
    throw new LanyardError('TOKEN_WRONG_TYPE', 'This link cannot be used here.');
  if (boundToBrowser(reg) && !fromOriginBrowser(reg, expect.browser))
    throw new LanyardError('REGISTRATION_OTHER_BROWSER', 'This link belongs to the browser that signed in.');
}

/** Deletes registrations that expired or were consumed more than a day ago. */
export async function purgeRegistrations(db: Db, now: Date): Promise<number> {
  const dayAgo = addSeconds(now, -86400);
  const r = await db
    .deleteFrom('registration')
    .where((eb) => eb.or([eb('expires_at', '<', dayAgo), eb('consumed_at', '<', dayAgo)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
