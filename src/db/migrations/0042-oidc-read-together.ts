import { type Kysely, sql } from 'kysely';

/**
 * What one OpenID provider request reads, in one call (src/stores/oidc-payloads.ts,
 * `readTogether`): a presented token, the provider session (by its id, or the token's), the
 * client, the grant, the account the token or session is for with its identities' claims, and the
 * signing keys' version. A function in PL/pgSQL, because PostgreSQL keeps the plan of its query
 * from call to call on each connection; the same statement sent as text was planned again on every
 * request and cost more than the five lookups it replaces. Nothing in it depends on the
 * connection's state (PgBouncer in transaction mode is fine).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create function oidc_read_together(
      p_token_model text, p_token_id text, p_session_id text, p_client_id text, p_keys boolean)
    returns table (model text, id text, uid text, grant_id text, payload jsonb,
      consumed_at timestamptz, expires_at timestamptz, keys_version text)
    language plpgsql stable as $$
    #variable_conflict use_column
    begin
      return query
      with tok as (
        select * from oidc_payload t where t.model = p_token_model and t.id = p_token_id
      ), ses as (
        select * from oidc_payload s where s.model = 'Session' and s.id = p_session_id
      ), who as (
        select coalesce((select tok.payload->>'accountId' from tok), (select ses.payload->>'accountId' from ses)) as id
      )
      select tok.model, tok.id, tok.uid, tok.grant_id, tok.payload, tok.consumed_at, tok.expires_at, null::text from tok
      union all
      select ses.model, ses.id, ses.uid, ses.grant_id, ses.payload, ses.consumed_at, ses.expires_at, null::text from ses
      union all
      select p.model, p.id, p.uid, p.grant_id, p.payload, p.consumed_at, p.expires_at, null::text
        from oidc_payload p where p.model = 'Session' and p.uid = (select tok.payload->>'sessionUid' from tok)
      union all
      select p.model, p.id, p.uid, p.grant_id, p.payload, p.consumed_at, p.expires_at, null::text
        from oidc_payload p
        where p.model = 'Client' and p.id = coalesce(p_client_id, (select tok.payload->>'clientId' from tok))
      union all
      select p.model, p.id, p.uid, p.grant_id, p.payload, p.consumed_at, p.expires_at, null::text
        from oidc_payload p
        where p.model = 'Grant' and p.id = coalesce(
          (select tok.grant_id from tok),
          (select ses.payload->'authorizations'->p_client_id->>'grantId' from ses))
      union all
      select 'Account', a.id::text, null, null,
          jsonb_build_object(
            'id', a.id, 'email', a.email, 'email_verified', a.email_verified_at is not null,
            'given_name', a.given_name, 'family_name', a.family_name, 'display_name', a.display_name,
            'locale', a.locale, 'status', a.status, 'can_log_in', a.can_log_in,
            'identities', (
              select coalesce(jsonb_agg(jsonb_build_object('provider', i.provider, 'subject', i.subject,
                  'issuer', i.issuer, 'profile', i.profile) order by i.created_at), '[]'::jsonb)
                from identity i where i.account_id = a.id)),
          null::timestamptz, null::timestamptz, null::text
        from account a
        where a.id = (select case when who.id ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then who.id::uuid end
          from who)
      union all
      select p.model, p.id, null::text, null::text, null::jsonb, null::timestamptz, null::timestamptz,
          coalesce(p.payload->>'version', '0')
        from oidc_payload p where p_keys and p.model = 'LanyardKeys' and p.id = 'current';
    end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function oidc_read_together(text, text, text, text, boolean)`.execute(db);
}
