import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import { findOidcClient } from './oidc-clients.js';

/** A client a person let sign them in, as `/profile` lists it: all their grants to it taken together. */
export interface ConnectedApplication {
  clientId: string;
  clientName: string;
  /** When the oldest grant still in force was given. */
  since: Date;
  /** The scopes granted (`openid`, `email`, …), in a stable order. */
  scopes: string[];
}

const scopeOrder = ['openid', 'profile', 'email', 'orcid', 'eduperson_scoped_affiliation', 'offline_access'];

/** The account's grants (oidc-provider's `Grant` rows): those in force at `now`, or all when null. */
async function grantsOf(db: Db, accountId: string, now: Date | null, clientId?: string) {
  let q = db
    .selectFrom('oidc_payload')
    .select(['id', 'payload'])
    .where('model', '=', 'Grant')
    .where(sql<string>`payload->>'accountId'`, '=', accountId);
  if (now) q = q.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  if (clientId !== undefined) q = q.where(sql<string>`payload->>'clientId'`, '=', clientId);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    ...(r.payload as { clientId: string; iat?: number; openid?: { scope?: string } }),
  }));
}

/** The clients the account granted, one entry per client, oldest first. */
export async function connectedApplications(db: Db, accountId: string, now: Date): Promise<ConnectedApplication[]> {
  const byClient = new Map<string, { since: number; scopes: Set<string> }>();
  for (const g of await grantsOf(db, accountId, now)) {
    const entry = byClient.get(g.clientId) ?? { since: Infinity, scopes: new Set<string>() };
    entry.since = Math.min(entry.since, g.iat ?? Infinity);
    for (const s of (g.openid?.scope ?? '').split(' ').filter(Boolean)) entry.scopes.add(s);
    byClient.set(g.clientId, entry);
  }
  const apps: ConnectedApplication[] = [];
  for (const [clientId, { since, scopes }] of byClient) {
    const client = await findOidcClient(db, clientId);
    if (!client) continue; // removed with its grants; a row left behind grants nothing
    apps.push({
      clientId,
      clientName: client.client_name,
      since: new Date(Number.isFinite(since) ? since * 1000 : now.getTime()),
      scopes: [...scopes].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)),
    });
  }
  return apps.sort((a, b) => a.since.getTime() - b.since.getTime() || a.clientName.localeCompare(b.clientName));
}

const rank = (scope: string) => (scopeOrder.includes(scope) ? scopeOrder.indexOf(scope) : scopeOrder.length);

/**
 * Withdraws the account's consent to a client: its grants go, and with them every code, access
 * token and refresh token issued under them. The client's next authorization request asks again
 * (a client registered with `--consent` shows its consent page). Returns how many grants went.
 */
export async function revokeConnectedApplication(db: Db, accountId: string, clientId: string): Promise<number> {
  return db.transaction().execute(async (tx) => {
    // Expired ones too: nothing issued under any of them may outlive the withdrawal.
    const grants = (await grantsOf(tx, accountId, null, clientId)).map((g) => g.id);
    if (grants.length === 0) return 0;
    await tx.deleteFrom('oidc_payload').where('grant_id', 'in', grants).execute();
    await tx.deleteFrom('oidc_payload').where('model', '=', 'Grant').where('id', 'in', grants).execute();
    return grants.length;
  });
}
