import { type Kysely, sql } from 'kysely';

/**
 * A registration of type CHANGE_EMAIL: the link mailed to the new address when a person changes
 * their account's email on /profile. Its `email` is the new address, its `account_id` the account.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table registration drop constraint registration_type_check`.execute(db);
  await sql`alter table registration add constraint registration_type_check check (type in
    ('EXTERNAL','VALIDATION','REGISTER','FORGOT','CHANGE_PASSWORD','INVITATION','CHANGE_EMAIL'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from registration where type = 'CHANGE_EMAIL'`.execute(db);
  await sql`alter table registration drop constraint registration_type_check`.execute(db);
  await sql`alter table registration add constraint registration_type_check check (type in
    ('EXTERNAL','VALIDATION','REGISTER','FORGOT','CHANGE_PASSWORD','INVITATION'))`.execute(db);
}
