import { type Kysely, sql } from 'kysely';

/**
 * The discovery page searches `saml_idp.search` for words anywhere in it (`like '%word%'`). On
 * PostgreSQL a trigram index lets a selective word (a domain, a rare name) skip the other
 * thousands of IdPs. pg_trgm ships with PostgreSQL and is a trusted extension (the database
 * owner may create it); where it cannot be created (PGlite, a role without the right) the search
 * reads every IdP of the entry, as before, and nothing else changes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    do $$
    begin
      begin
        create extension if not exists pg_trgm;
      exception when others then
        raise notice 'pg_trgm is not available (%): the IdP search works without its index', sqlerrm;
      end;
      if exists (select 1 from pg_extension where extname = 'pg_trgm') then
        create index if not exists saml_idp_search_trgm on saml_idp using gin (search gin_trgm_ops);
      end if;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists saml_idp_search_trgm`.execute(db);
}
