import { addSeconds } from '../clock.js';
import { hashToken, randomToken } from '../crypto/token.js';
import type { Db } from '../db/connect.js';
import type { Account, Registration } from '../db/schema.js';
import { LanyardError } from '../errors.js';
import type { Lanyard } from '../lanyard.js';
import type { MailResult } from '../mail/limit.js';
import { isUuid } from '../stores/accounts.js';
import { recordAudit } from '../stores/audit.js';
import { emailChangePath } from './email-change.js';
import type { OperatorAction } from './operators.js';
import { localeOf } from './password-accounts.js';

const hours = (s: number) => Math.max(1, Math.round(s / 3600));

/** A rollback that is not a failure: the mail was held back, so the old link must stay the live one. */
class HeldBack extends Error {
  constructor(readonly result: MailResult) {
    super('held back');
  }
}

/**
 * An operator's "resend" of a registration in flight for the account (src/accounts/operators.ts
 * lists them): the registration gets a new token — the old link dies, only hashes are stored, so
 * the old one cannot be mailed again — and a fresh lifetime, and its mail goes again to its
 * address, through the per-address limit. When the limit holds the mail back, nothing changes
 * (the old link keeps working) and the caller learns when to try again. Only registrations that
 * went out by mail can be resent: a provider sign-in's own registration belongs to its browser.
 */
export async function resendRegistration(
  lanyard: Lanyard,
  account: Account,
  registrationId: string,
  by: OperatorAction,
): Promise<{ registration: Registration; mail: MailResult }> {
  if (!isUuid(registrationId)) throw new LanyardError('NOT_FOUND', 'No such registration waits for this account.');
  const { config } = lanyard;
  try {
    return await lanyard.db.transaction().execute(async (tx) => {
      const now = lanyard.clock.now();
      const pending = await tx
        .selectFrom('registration')
        .selectAll()
        .where('id', '=', registrationId)
        .where((eb) => eb.or([eb('account_id', '=', account.id), eb('email', '=', account.email)]))
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .forUpdate()
        .executeTakeFirst();
      if (!pending) throw new LanyardError('NOT_FOUND', 'No such registration waits for this account.');
      const path = linkPath(pending);
      if (!path || !pending.email)
        throw new LanyardError(
          'REGISTRATION_NOT_MAILED',
          'This registration was not sent by mail, so it cannot be resent.',
          {
            type: pending.type,
          },
        );
      const token = randomToken();
      const ttl = config.tokenTtl[pending.type];
      const registration = await tx
        .updateTable('registration')
        .set({ token_hash: hashToken(token), expires_at: addSeconds(now, ttl) })
        .where('id', '=', pending.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      const mail = await mailAgain(lanyard, tx, registration, account, `${config.publicUrl}${path(token)}`, hours(ttl));
      if (!mail.queued) throw new HeldBack(mail);
      await recordAudit(
        tx,
        {
          action: 'registration_resent',
          accountId: account.id,
          actorAccountId: by.actorAccountId,
          provider: registration.provider,
          ip: by.ip,
          detail: { registration: registration.id, type: registration.type },
        },
        now,
      );
      return { registration, mail };
    });
  } catch (e) {
    if (!(e instanceof HeldBack)) throw e;
    const registration = await lanyard.db
      .selectFrom('registration')
      .selectAll()
      .where('id', '=', registrationId)
      .executeTakeFirstOrThrow();
    return { registration, mail: e.result };
  }
}

/** Whether the registration went out by mail, so an operator can send it again. */
export const canResend = (reg: Registration): boolean => reg.email !== null && linkPath(reg) !== null;

/** Where a mailed registration's link leads, by type; null for one that is not mailed. */
function linkPath(reg: Registration): ((token: string) => string) | null {
  switch (reg.type) {
    case 'REGISTER':
      return (t) => `/register/${t}`;
    case 'FORGOT':
      return (t) => `/forgot/${t}`;
    case 'CHANGE_EMAIL':
      return emailChangePath;
    case 'EXTERNAL':
      return reg.mailed ? (t) => `/external-login/${t}` : null;
    case 'VALIDATION':
      return reg.mailed ? (t) => `/review-account/${t}` : null;
    default:
      return null;
  }
}

/** The registration's own mail again, with the new link. */
function mailAgain(
  lanyard: Lanyard,
  tx: Db,
  reg: Registration,
  account: Account,
  link: string,
  validHours: number,
): Promise<MailResult> {
  const locale = localeOf(account);
  const to = reg.email!;
  switch (reg.type) {
    case 'REGISTER':
      return lanyard.queueMail(tx, 'register', to, locale, { link, validHours });
    case 'FORGOT':
      return lanyard.queueMail(tx, 'forgot', to, locale, { link, validHours });
    case 'CHANGE_EMAIL':
      return lanyard.queueMail(tx, 'email_change', to, locale, { link, validHours });
    default: {
      const provider = {
        link,
        validHours,
        provider: lanyard.providers.identityName(reg.provider ?? '', locale),
        identifier: lanyard.providers.identifier(reg.provider, reg.subject, reg.profile.issuer),
      };
      return lanyard.queueMail(
        tx,
        reg.type === 'VALIDATION' ? 'validation_link' : 'external_link',
        to,
        locale,
        provider,
      );
    }
  }
}
