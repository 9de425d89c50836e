import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { RegistrationType } from '../config/schema.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

/** The received profile values of an external identity, kept as DSpace keeps registration metadata. */
export interface ProfileSnapshot {
  givenName?: string | null;
  familyName?: string | null;
  displayName?: string | null;
  emails?: { address: string; verified: boolean; primary?: boolean }[];
  scopes?: string[];
  /** Why a pending registration exists (src/broker/decide.ts RegistrationReason). */
  reason?: string;
  /** The issuer that vouched for the identity (ORCID's site URL). */
  issuer?: string;
  /** Claims kept as hints only, never as identities (an institution's `orcid` claim). */
  hints?: Record<string, string>;
}

export interface AccountTable {
  id: Generated<string>;
  email: string;
  email_verified_at: Timestamp | null;
  given_name: string | null;
  family_name: string | null;
  display_name: string | null;
  status: Generated<'active' | 'disabled'>;
  can_log_in: Generated<boolean>;
  self_registered: Generated<boolean>;
  is_admin: Generated<boolean>;
  locale: string | null;
  /** The survivor this account was merged into; such an account stays disabled (migration 0046). */
  merged_into: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface IdentityTable {
  id: Generated<string>;
  account_id: string;
  provider: string;
  subject: string;
  issuer: string | null;
  email: string | null;
  email_verified: Generated<boolean>;
  profile: Json<ProfileSnapshot>;
  /** Only for provider 'password': the argon2id PHC string. */
  password_hash: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
}

export interface ProviderTokenTable {
  identity_id: string;
  key_id: string;
  access_token: string;
  refresh_token: string | null;
  scopes: string;
  expires_at: Timestamp | null;
  updated_at: Timestamp;
  /** When ORCID stopped accepting the token (revoked there): the researcher must authorize again (migration 0035). */
  needs_consent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface RegistrationTable {
  id: Generated<string>;
  token_hash: string;
  type: RegistrationType;
  email: string | null;
  provider: string | null;
  subject: string | null;
  profile: Json<ProfileSnapshot>;
  /** Provider tokens, AES-256-GCM sealed (see src/crypto/seal.ts). */
  sealed_tokens: string | null;
  /** The account this registration acts for (CHANGE_PASSWORD, FORGOT). Never trusted for linking. */
  account_id: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
  /** The account a merge linked this registration into (migration 0019): further overrides go only there. */
  merged_into: Generated<string | null>;
  /** SHA-256 of the browser cookie of the browser that completed the provider sign-in (migration 0013). */
  browser_hash: string | null;
  /**
   * SHA-256 of the browser cookie of a browser where the person signed in with the registration's
   * identity after the link was mailed (migration 0047): the link works there too.
   */
  proved_browser_hash: Generated<string | null>;
  /** The token went by mail: it proves the mailbox only, so it also needs a proved browser (migration 0013). */
  mailed: Generated<boolean>;
  /** Where the sign-in that made this registration was going (migration 0027), carried to mailed links. */
  return_to: Generated<string | null>;
}

export interface SessionTable {
  id: string;
  secret_hash: string;
  account_id: string;
  amr: string;
  authenticated_at: Timestamp;
  created_at: CreatedAt;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
  /** Last request seen with it, to a few minutes (migration 0031); null until the first one. */
  last_seen_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface EmailOutboxTable {
  id: Generated<string>;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  kind: string;
  created_at: CreatedAt;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  claimed_until: Timestamp | null;
  sent_at: Timestamp | null;
  failed_at: Timestamp | null;
  last_error: string | null;
  /** Not sent and never to be: 'rate_limit' or 'no_account' (migration 0010). */
  held_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AuditEventTable {
  id: Generated<string>;
  at: CreatedAt;
  action: string;
  outcome: 'success' | 'failure';
  account_id: string | null;
  actor_account_id: string | null;
  provider: string | null;
  subject: string | null;
  ip: string | null;
  detail: Json<Record<string, unknown>>;
}

// --- SAML (issue 11) ---

export interface SamlIdpTable {
  provider: string;
  entity_id: string;
  names: Json<Record<string, string>>;
  search: string;
  logo: string | null;
  scopes: Json<{ value: string; regexp: boolean }[]>;
  domains: Json<string[]>;
  sso_redirect: string | null;
  sso_post: string | null;
  signing_certs: Json<string[]>;
  name_id_formats: Json<string[]>;
  categories: Json<string[]>;
  registration_authority: string | null;
  hidden: Generated<boolean>;
  valid_until: Timestamp | null;
}

export interface SamlMetadataTable {
  provider: string;
  source: string;
  digest: string | null;
  etag: string | null;
  valid_until: Timestamp | null;
  idp_count: Generated<number>;
  imported_at: Timestamp | null;
  checked_at: Timestamp | null;
  last_error: string | null;
  last_error_at: Timestamp | null;
}

/** Short-lived state a flow needs on whichever process the browser comes back to (src/stores/flow-state.ts). */
export interface FlowStateTable {
  key: string;
  value: Json<unknown>;
  expires_at: Timestamp;
}

/** What the OpenID provider stores: one row per oidc-provider model instance (migration 0021). */
export interface OidcPayloadTable {
  model: string;
  id: string;
  payload: Json<Record<string, unknown>>;
  grant_id: string | null;
  uid: string | null;
  consumed_at: Timestamp | null;
  expires_at: Timestamp | null;
}

/** A work a repository put on a researcher's ORCID record, with ORCID's put-code (migration 0035). */
export interface OrcidWorkTable {
  id: Generated<string>;
  account_id: string;
  /** The OpenID client that pushed it; '' for the researcher's own session. */
  client_id: string;
  external_id_type: string;
  /** The `self` external id, normalized (src/orcid-api/works.ts). */
  external_id: string;
  /** The external id as the repository sent it. */
  external_id_value: string;
  orcid: string | null;
  put_code: number | null;
  content: Json<unknown>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type OrcidWriteState = 'queued' | 'delivered' | 'failed' | 'needs_consent';

/** One write to ORCID in the durable queue (migration 0035). */
export interface OrcidWriteTable {
  id: Generated<string>;
  seq: Generated<number>;
  account_id: string;
  client_id: string;
  external_id_type: string;
  external_id: string;
  kind: 'put' | 'delete';
  content: Json<unknown> | null;
  state: OrcidWriteState;
  outcome: 'created' | 'updated' | 'deleted' | null;
  put_code: number | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  claimed_until: Timestamp | null;
  error_code: string | null;
  error_status: number | null;
  last_error: string | null;
  created_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface Database {
  account: AccountTable;
  identity: IdentityTable;
  provider_token: ProviderTokenTable;
  registration: RegistrationTable;
  session: SessionTable;
  email_outbox: EmailOutboxTable;
  audit_event: AuditEventTable;
  // SAML (issue 11)
  saml_idp: SamlIdpTable;
  saml_metadata: SamlMetadataTable;
  flow_state: FlowStateTable;
  password_throttle: PasswordThrottleTable;
  oidc_payload: OidcPayloadTable;
  orcid_work: OrcidWorkTable;
  orcid_write: OrcidWriteTable;
}

export interface PasswordThrottleTable {
  key: string;
  failures: number;
  last_failure_at: Timestamp;
}

export type Account = Selectable<AccountTable>;
export type NewAccount = Insertable<AccountTable>;
export type AccountUpdate = Updateable<AccountTable>;
export type Identity = Selectable<IdentityTable>;
export type Registration = Selectable<RegistrationTable>;
export type Session = Selectable<SessionTable>;
export type OutboxMail = Selectable<EmailOutboxTable>;
export type AuditEvent = Selectable<AuditEventTable>;
export type OrcidWork = Selectable<OrcidWorkTable>;
export type OrcidWrite = Selectable<OrcidWriteTable>;
