import { assertPassword } from '../../accounts/password-accounts.js';
import { loadConfig } from '../../config/load.js';
import { PasswordHasher } from '../../crypto/password.js';
import { LanyardError } from '../../errors.js';
import { createAccount, findAccountByEmail, updateAccount } from '../../stores/accounts.js';
import { recordAudit } from '../../stores/audit.js';
import { listIdentities, setPasswordHash } from '../../stores/identities.js';
import { revokeAccountGrants } from '../../stores/oidc-payloads.js';
import { revokeAccountSessions } from '../../stores/sessions.js';
import { type CliIO, type Command, emailArg, expectArgs, say } from '../command.js';
import { withDatabase } from '../database.js';
import { readSecretLine } from '../secret-input.js';

/** The password from LANYARD_ADMIN_PASSWORD (scripts), else asked for (twice on a terminal). */
async function askPassword(io: CliIO, email: string): Promise<string> {
  const password = await readSecretLine(io, `Password for ${email}: `);
  if (password === null)
    throw new LanyardError(
      'VALIDATION_FAILED',
      'No password given. Fix: type it when asked, pipe it in, or set LANYARD_ADMIN_PASSWORD.',
    );
  assertPassword(password, email);
  if (io.stdin.isTTY && (await readSecretLine(io, 'The same password again: ')) !== password) {
    throw new LanyardError('VALIDATION_FAILED', 'The two passwords differ.');
  }
  return password;
}

/**
 * `admin create <email>`: makes a new, verified admin account with a password, or promotes an
 * existing account. An existing password is kept unless LANYARD_ADMIN_PASSWORD names a new one,
 * so the command can run in provisioning scripts again and again.
 */
export const adminCreate: Command = {
  usage: 'admin create <email>',
  summary: 'Create an admin account, or promote an existing one (password from LANYARD_ADMIN_PASSWORD or asked for).',
  async run(args, io) {
    const [input] = expectArgs(args, ['email']);
    const email = emailArg(input!);
    const config = loadConfig(io.env);
    return withDatabase(config, async (db) => {
      const existing = await findAccountByEmail(db, email);
      const current = existing
        ? (await listIdentities(db, existing.id)).find((i) => i.provider === 'password')
        : undefined;
      const given = io.env.LANYARD_ADMIN_PASSWORD || undefined;
      if (given) assertPassword(given, email);
      const hasher = new PasswordHasher(config.password);
      // The same password again (a provisioning script run once more) changes nothing; a new one
      // replaces the old, which then signs in to nothing: as a reset does, every session of the
      // account and every grant at the OpenID provider ends with it.
      const password =
        given !== undefined && current && (await hasher.verify(current.password_hash, given))
          ? null
          : (given ?? (current ? null : await askPassword(io, email)));
      const hash = password === null ? null : await hasher.hash(password);

      const account = await db.transaction().execute(async (tx) => {
        const now = new Date();
        const admin = existing
          ? await updateAccount(tx, existing.id, { is_admin: true }, now)
          : await createAccount(tx, { email, email_verified_at: now, is_admin: true, locale: null }, now);
        let sessionsEnded = 0;
        if (hash) {
          await setPasswordHash(tx, admin.id, hash, now);
          if (current?.password_hash) {
            sessionsEnded = await revokeAccountSessions(tx, admin.id, now);
            await revokeAccountGrants(tx, admin.id);
          }
        }
        await recordAudit(
          tx,
          {
            action: 'admin_action',
            accountId: admin.id,
            detail: { command: 'admin create', created: !existing, passwordSet: hash !== null, sessionsEnded },
          },
          now,
        );
        return admin;
      });
      say(
        io.stdout,
        `${existing ? 'Promoted' : 'Created'} admin account ${account.email} (${account.id}); password ${hash ? 'set' : 'unchanged'}.`,
      );
      return 0;
    });
  },
};
