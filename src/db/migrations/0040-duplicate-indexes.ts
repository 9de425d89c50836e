import { type Kysely, sql } from 'kysely';

/**
 * Indexes for the operators' "possible duplicates" report (src/accounts/duplicates.ts): the
 * verified addresses providers released, the identities carrying an ORCID iD as a hint (newest
 * first), and active accounts' names compared without case.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index identity_verified_email on identity (email) where email_verified`.execute(db);
  await sql`create index identity_orcid_hint on identity (created_at)
    where (profile->'hints'->>'orcid') is not null`.execute(db);
  await sql`create index account_names on account (lower(family_name), lower(given_name))
    where status = 'active' and given_name is not null and family_name is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index account_names`.execute(db);
  await sql`drop index identity_orcid_hint`.execute(db);
  await sql`drop index identity_verified_email`.execute(db);
}
