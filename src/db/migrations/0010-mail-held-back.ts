import { type Kysely, sql } from 'kysely';

/**
 * Why a mail was not sent: `rate_limit` (the address had its hourly share) or `no_account` (a reset
 * asked for an address no account uses — kept as a row so the limit and its page message look the
 * same whether an account exists). Such rows are never delivered; the dev mailbox shows them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('email_outbox').addColumn('held_reason', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table email_outbox drop column held_reason`.execute(db);
}
