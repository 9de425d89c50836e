import { type Kysely, sql } from 'kysely';
import { canonicalEmail } from '../../accounts/email-address.js';

/**
 * Brings every stored address to its canonical form (src/accounts/email-address.ts) and puts the
 * unique index on the column itself, so the index and every lookup compare the same string. The
 * old index compared SQL `lower(email)`, which folds non-ASCII letters the lookup did not.
 *
 * Two accounts whose addresses become equal are never merged here: the migration stops, changes
 * nothing (it runs in one transaction) and names them, so an operator decides (docs/security.md).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const accounts: { id: string; email: string }[] = await db.selectFrom('account').select(['id', 'email']).execute();
  const byForm = new Map<string, string[]>();
  for (const a of accounts) byForm.set(canonicalEmail(a.email), [...(byForm.get(canonicalEmail(a.email)) ?? []), a.id]);
  const clashes = [...byForm].filter(([, ids]) => ids.length > 1);
  if (clashes.length > 0)
    throw new Error(
      `Migration 0011 stopped, nothing was changed: ${clashes.length} email address(es) belong to more than one ` +
        `account once compared in their canonical form (trimmed, A-Z lower-cased): ` +
        clashes.map(([email, ids]) => `${email} (accounts ${ids.join(', ')})`).join('; ') +
        `. Fix: give all but one account of each group another address (or merge them), then migrate again.`,
    );

  await sql`drop index account_email_lower`.execute(db);
  await sql`drop index email_outbox_recipient`.execute(db);
  for (const a of accounts)
    if (canonicalEmail(a.email) !== a.email)
      await db
        .updateTable('account')
        .set({ email: canonicalEmail(a.email) })
        .where('id', '=', a.id)
        .execute();
  await sql`create unique index account_email on account (email)`.execute(db);
  for (const [table, column] of [
    ['registration', 'email'],
    ['identity', 'email'],
    ['email_outbox', 'to_address'],
  ] as const) {
    const rows: { value: string }[] = await db
      .selectFrom(table)
      .select(sql<string>`${sql.ref(column)}`.as('value'))
      .distinct()
      .where(column, 'is not', null)
      .execute();
    for (const { value } of rows)
      if (canonicalEmail(value) !== value)
        await db
          .updateTable(table)
          .set({ [column]: canonicalEmail(value) })
          .where(column, '=', value)
          .execute();
  }
  await sql`create index email_outbox_recipient on email_outbox (to_address, created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index account_email`.execute(db);
  await sql`create unique index account_email_lower on account (lower(email))`.execute(db);
  await sql`drop index email_outbox_recipient`.execute(db);
  await sql`create index email_outbox_recipient on email_outbox (lower(to_address), created_at)`.execute(db);
}
