import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { hashToken, randomToken, safeEqual } from '../crypto/token.js';
import type { Db } from '../db/connect.js';
import type { SigningAlg } from '../openid-provider/keys.js';

/** How a client proves itself at the token endpoint; `none` is a public client, which must use PKCE. */
export const clientAuthMethods = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export type ClientAuthMethod = (typeof clientAuthMethods)[number];

/** Whether the client must send PKCE (public clients always must). */
export const pkcePolicies = ['required', 'optional'] as const;
export type PkcePolicy = (typeof pkcePolicies)[number];

/**
 * `public`: `sub` is the account id, the same for every client. `pairwise`: each client sector (the
 * host of its redirect URIs) gets a `sub` of its own (src/openid-provider/pairwise.ts).
 */
export const subjectTypes = ['public', 'pairwise'] as const;
export type SubjectType = (typeof subjectTypes)[number];

/**
 * A registered relying party, as oidc-provider reads it: standard client metadata plus Lanyard's
 * own `lanyard_*` fields (registered as extra metadata in src/openid-provider/provider.ts).
 */
export interface OidcClient {
  client_id: string;
  client_name: string;
  /** SHA-256 of the secret (hex); the secret itself is shown once and never stored. */
  client_secret?: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  /** `required`: an authorization request without PKCE is refused. */
  lanyard_pkce?: PkcePolicy;
  /** A resource server (an API): may introspect access tokens (RFC 7662). */
  lanyard_resource_server?: boolean;
  /** A client the operator runs for Lanyard's own users: no consent page. */
  lanyard_first_party?: boolean;
  /** Absent on clients registered before pairwise subjects existed: `public`. */
  subject_type?: SubjectType;
  token_endpoint_auth_method: ClientAuthMethod;
  /** How its ID tokens are signed (oidc-provider's metadata field; absent: RS256). */
  id_token_signed_response_alg?: SigningAlg;
  grant_types: string[];
  response_types: string[];
  /** Seconds since the epoch (oidc-provider's own metadata field). */
  client_id_issued_at: number;
}

/** Clients live beside the provider's other state, under oidc-provider's model name. */
const MODEL = 'Client';

/**
 * Registers a client. Returns it with the secret in clear, the one time it exists outside the
 * client: the secret is 256 random bits, so its SHA-256 is all that needs storing.
 */
export async function addOidcClient(
  db: Db,
  input: {
    name: string;
    redirectUris: string[];
    auth: ClientAuthMethod;
    postLogoutRedirectUris?: string[];
    pkce?: PkcePolicy;
    firstParty?: boolean;
    idTokenAlg?: SigningAlg;
    subjectType?: SubjectType;
    resourceServer?: boolean;
  },
  now: Date,
): Promise<{ client: OidcClient; secret: string | null }> {
  const secret = input.auth === 'none' ? null : randomToken();
  const client: OidcClient = {
    client_id: randomUUID(),
    client_name: input.name,
    ...(secret ? { client_secret: hashToken(secret) } : {}),
    redirect_uris: input.redirectUris,
    post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
    lanyard_pkce: input.auth === 'none' ? 'required' : (input.pkce ?? 'optional'),
    lanyard_first_party: input.firstParty ?? true,
    subject_type: input.subjectType ?? 'public',
    ...(input.resourceServer ? { lanyard_resource_server: true } : {}),
    token_endpoint_auth_method: input.auth,
    ...(input.idTokenAlg && input.idTokenAlg !== 'RS256' ? { id_token_signed_response_alg: input.idTokenAlg } : {}),
    // A resource server without redirect URIs only introspects: it signs no one in.
    grant_types: input.redirectUris.length ? ['authorization_code', 'refresh_token'] : [],
    response_types: input.redirectUris.length ? ['code'] : [],
    client_id_issued_at: Math.floor(now.getTime() / 1000),
  };
  await db
    .insertInto('oidc_payload')
    .values({
      model: MODEL,
      id: client.client_id,
      payload: JSON.stringify(client),
      grant_id: null,
      uid: null,
      expires_at: null,
    })
    .execute();
  return { client, secret };
}

export async function listOidcClients(db: Db): Promise<OidcClient[]> {
  const rows = await db.selectFrom('oidc_payload').select('payload').where('model', '=', MODEL).execute();
  return rows
    .map((r) => r.payload as unknown as OidcClient)
    .sort((a, b) => a.client_id_issued_at - b.client_id_issued_at || a.client_name.localeCompare(b.client_name));
}

export async function findOidcClient(db: Db, clientId: string): Promise<OidcClient | undefined> {
  const row = await db
    .selectFrom('oidc_payload')
    .select('payload')
    .where('model', '=', MODEL)
    .where('id', '=', clientId)
    .executeTakeFirst();
  return row?.payload as unknown as OidcClient | undefined;
}

/**
 * A new secret for a confidential client: the old one stops working at once (its tokens stay
 * valid). Returns the new secret in clear, or undefined when no such client or a public one.
 */
export async function rotateOidcClientSecret(db: Db, clientId: string): Promise<string | undefined> {
  const client = await findOidcClient(db, clientId);
  if (!client || client.token_endpoint_auth_method === 'none') return undefined;
  const secret = randomToken();
  await db
    .updateTable('oidc_payload')
    .set({ payload: JSON.stringify({ ...client, client_secret: hashToken(secret) }) })
    .where('model', '=', MODEL)
    .where('id', '=', clientId)
    .execute();
  return secret;
}

/** Removes a client and every grant, code and token issued to it. Returns false when no such client. */
export async function removeOidcClient(db: Db, clientId: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const gone = await tx
      .deleteFrom('oidc_payload')
      .where('model', '=', MODEL)
      .where('id', '=', clientId)
      .executeTakeFirst();
    if (Number(gone.numDeletedRows) === 0) return false;
    await tx
      .deleteFrom('oidc_payload')
      .where('model', '!=', MODEL)
      .where(sql<string>`payload->>'clientId'`, '=', clientId)
      .execute();
    return true;
  });
}

/** Whether `presented` is the secret whose hash the client metadata holds (constant time). */
export function clientSecretMatches(storedHash: string | undefined, presented: string): boolean {
  return typeof storedHash === 'string' && safeEqual(storedHash, hashToken(presented));
}
