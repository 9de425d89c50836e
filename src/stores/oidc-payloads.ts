import { sql } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connect.js';

/**
 * oidc-provider's storage contract on Lanyard's database: one table for every model, so each
 * Lanyard process sees the same codes, tokens, sessions and clients. `clock` decides expiry, the
 * same clock the rest of Lanyard uses.
 */
export class OidcPayloadAdapter implements Adapter {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly model: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const row = {
      model: this.model,
      id,
      payload: JSON.stringify(payload),
      grant_id: payload.grantId ?? null,
      uid: payload.uid ?? null,
      expires_at: expiresIn ? new Date(this.clock.now().getTime() + expiresIn * 1000) : null,
    };
    await this.db
      .insertInto('oidc_payload')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['model', 'id']).doUpdateSet({
          payload: row.payload,
          grant_id: row.grant_id,
          uid: row.uid,
          expires_at: row.expires_at,
        }),
      )
      .execute();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('id', id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid', uid);
  }

  async findByUserCode(): Promise<AdapterPayload | undefined> {
    return undefined; // device flow is not enabled
  }

  /**
   * Marks a code or refresh token used. The UPDATE only succeeds for the first of two concurrent
   * redemptions (on any process); the second is refused and the grant behind it revoked, as a reused
   * code must be (RFC 6749 §4.1.2).
   */
  async consume(id: string): Promise<void> {
    const done = await this.db
      .updateTable('oidc_payload')
      .set({ consumed_at: this.clock.now() })
      .where('model', '=', this.model)
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .returning('grant_id')
      .executeTakeFirst();
    if (!done) {
      const row = await this.db
        .selectFrom('oidc_payload')
        .select('grant_id')
        .where('model', '=', this.model)
        .where('id', '=', id)
        .executeTakeFirst();
      if (row?.grant_id) await this.revokeByGrantId(row.grant_id);
      throw new errors.InvalidGrant('grant already used');
    }
  }

  async destroy(id: string): Promise<void> {
    await this.db.deleteFrom('oidc_payload').where('model', '=', this.model).where('id', '=', id).execute();
  }

  /** Every token of the grant, whatever its model, goes with it. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.deleteFrom('oidc_payload').where('grant_id', '=', grantId).execute();
  }

  private async findWhere(column: 'id' | 'uid', value: string): Promise<AdapterPayload | undefined> {
    const row = await this.db
      .selectFrom('oidc_payload')
      .select(['payload', 'consumed_at', 'expires_at'])
      .where('model', '=', this.model)
      .where(column, '=', value)
      .executeTakeFirst();
    if (!row || (row.expires_at && row.expires_at <= this.clock.now())) return undefined;
    const payload = row.payload as AdapterPayload;
    return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
  }
}

/**
 * Housekeeping: deletes what expired; returns how many rows went. Interactions stay
 * `interactionGraceSeconds` longer: a mailed first-login link may bring someone back after the
 * interaction expired, and its stored request is what starts the authorization afresh.
 */
export async function deleteExpiredOidcPayloads(db: Db, now: Date, interactionGraceSeconds = 0): Promise<number> {
  const graceEnd = new Date(now.getTime() - interactionGraceSeconds * 1000);
  const result = await db
    .deleteFrom('oidc_payload')
    .where('expires_at', '<=', now)
    .where((eb) => eb.or([eb('model', '!=', 'Interaction'), eb('expires_at', '<=', graceEnd)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Ends everything the account holds at the OpenID provider: its grants with every code and token
 * issued under them, and its provider sessions. Returns how many grants went.
 */
export async function revokeAccountGrants(db: Db, accountId: string): Promise<number> {
  const ofAccount = sql<string>`payload->>'accountId'`;
  const grants = await db
    .selectFrom('oidc_payload')
    .select('id')
    .where('model', '=', 'Grant')
    .where(ofAccount, '=', accountId)
    .execute();
  const grantIds = grants.map((g) => g.id);
  await db
    .deleteFrom('oidc_payload')
    .where('model', '!=', 'Client')
    .where((eb) => eb.or([eb(ofAccount, '=', accountId), ...(grantIds.length ? [eb('grant_id', 'in', grantIds)] : [])]))
    .execute();
  return grantIds.length;
}
