import { type Kysely, sql } from 'kysely';

/**
 * The account a duplicate was merged into (src/accounts/merge.ts). A merged account stays
 * disabled for good: enabling it (then a password reset for its verified address) would make it a
 * second live account of the same person beside the survivor, undoing the merge. The check keeps
 * it so whatever code writes. Accounts merged before this column existed are found by their
 * `accounts_merged` audit event, when retention has kept it, and only while still disabled: one
 * enabled again since is left an ordinary account (its owner may be using it now).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('account')
    .addColumn('merged_into', 'uuid', (c) => c.references('account.id'))
    .execute();
  await sql`update account set merged_into = (e.detail->>'survivor')::uuid
    from audit_event e
    where e.action = 'accounts_merged' and e.account_id = account.id
      and e.detail->>'duplicate' = account.id::text and account.status = 'disabled'`.execute(db);
  await sql`alter table account add constraint account_merged_disabled
    check (merged_into is null or status = 'disabled')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table account drop column merged_into`.execute(db);
}
