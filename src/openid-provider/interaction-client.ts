import type { Db } from '../db/connect.js';
import { findOidcClient } from '../stores/oidc-clients.js';

/** The repository a sign-in is for, as its registration names it (`name` empty when it has none). */
export interface SigningInFor {
  clientId: string;
  name: string;
}

const INTERACTION = /^\/interaction\/([\w-]{1,100})$/;

/**
 * Which registered client the sign-in page is asked for, when it is to go on to an authorization
 * request's interaction (`returnTo` = `/interaction/{uid}`, as src/openid-provider/routes.ts sends
 * it). The client is read from the stored interaction and its registration, never from the URL: a
 * link can only point at an interaction that exists, and then names the client the person will
 * really be sent to (an interaction past its time is started afresh for the same client, so it is
 * named as long as it is stored). Anything else names no one.
 */
export async function clientOfReturnTo(db: Db, returnTo: string): Promise<SigningInFor | undefined> {
  const uid = INTERACTION.exec(returnTo)?.[1];
  if (!uid) return undefined;
  const row = await db
    .selectFrom('oidc_payload')
    .select('payload')
    .where('model', '=', 'Interaction')
    .where('id', '=', uid)
    .executeTakeFirst();
  const clientId = (row?.payload as { params?: { client_id?: unknown } } | undefined)?.params?.client_id;
  if (typeof clientId !== 'string') return undefined;
  const client = await findOidcClient(db, clientId);
  if (!client) return undefined;
  return { clientId: client.client_id, name: typeof client.client_name === 'string' ? client.client_name.trim() : '' };
}
