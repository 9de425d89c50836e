import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../clock.js';
import { type Db, preparedStatement } from '../db/connect.js';
import type { ProfileSnapshot } from '../db/schema.js';
import { DEVICE_KEY, sessionJson, sessionJsonFrom } from './sessions.js';

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
    const reads = requestReads.getStore();
    const row: NewPayloadRow = {
      model: this.model,
      id,
      payload: JSON.stringify(this.model === 'Session' ? tiedToDevice(payload, reads?.signedIn) : payload),
      grant_id: payload.grantId ?? null,
      uid: payload.uid ?? null,
      expires_at: expiresIn ? new Date(this.clock.now().getTime() + expiresIn * 1000) : null,
    };
    // Within a provider request the row is written with the request's next write, or before
    // anything else touches the database, and at the latest before the answer leaves.
    if (!reads?.defer(row)) await upsertRows(this.db, [row]);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (id.includes('\u0000')) return undefined; // no row has one (PostgreSQL text cannot hold it)
    const reads = requestReads.getStore();
    if (reads) {
      const known = reads.take(this.model, 'id', id);
      if (known !== undefined) return known ? this.payloadOf(known) : undefined;
      // A token brings the session, grant and client it was issued under in the same statement:
      // the provider reads each of them next (src/stores/oidc-payloads.ts, `readTogether`).
      if (TOKEN_MODELS.has(this.model)) {
        await reads.flush(this.db);
        const { rows } = await readTogether(this.db, { token: { model: this.model, id } });
        reads.add(rows, { token: { model: this.model, id } });
        const token = reads.take(this.model, 'id', id);
        return token ? this.payloadOf(token) : undefined;
      }
    }
    return this.findWhere('id', id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    if (uid.includes('\u0000')) return undefined;
    const known = requestReads.getStore()?.take(this.model, 'uid', uid);
    if (known !== undefined) return known ? this.payloadOf(known) : undefined;
    return this.findWhere('uid', uid);
  }

  async findByUserCode(): Promise<AdapterPayload | undefined> {
    return undefined; // device flow is not enabled
  }

  /**
   * Marks a code or refresh token used. The UPDATE only succeeds for the first of two concurrent
   * redemptions (on any process); the second is refused and the grant behind it revoked, as a reused
   * code must be (RFC 6749 §4.1.2). Within a provider request it is written with the request's
   * next write — the tokens issued for it —, in one statement that writes them only if the UPDATE
   * succeeded (`RequestReads.flush`): nothing the request issued is stored, or answered, otherwise.
   */
  async consume(id: string): Promise<void> {
    const reads = requestReads.getStore();
    if (reads) {
      await reads.flush(this.db);
      reads.forget(this.model, id);
      if (reads.deferConsume({ model: this.model, id, at: this.clock.now() })) return;
    }
    await consumeAndSave(this.db, { model: this.model, id, at: this.clock.now() }, []);
  }

  async destroy(id: string): Promise<void> {
    await flushRequestWrites(this.db);
    requestReads.getStore()?.forget(this.model, id);
    await this.db.deleteFrom('oidc_payload').where('model', '=', this.model).where('id', '=', id).execute();
  }

  /** Every token of the grant, whatever its model, goes with it. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await flushRequestWrites(this.db);
    requestReads.getStore()?.clear();
    await this.db.deleteFrom('oidc_payload').where('grant_id', '=', grantId).execute();
  }

  private async findWhere(column: 'id' | 'uid', value: string): Promise<AdapterPayload | undefined> {
    await flushRequestWrites(this.db);
    const row = await this.db
      .selectFrom('oidc_payload')
      .select(['payload', 'consumed_at', 'expires_at'])
      .where('model', '=', this.model)
      .where(column, '=', value)
      .executeTakeFirst();
    return row ? this.payloadOf(row) : undefined;
  }

  /** What the provider sees of a row: nothing once expired (on Lanyard's clock), `consumed` once used. */
  private payloadOf(row: Pick<PayloadRow, 'payload' | 'consumed_at' | 'expires_at'>): AdapterPayload | undefined {
    if (row.expires_at && row.expires_at <= this.clock.now()) return undefined;
    const payload = row.payload as AdapterPayload;
    return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
  }
}

/**
 * The provider session as stored: noted with the Lanyard session it was saved under, when the
 * browser is signed in to Lanyard as the same account (the provider's session holds only while it
 * is, src/openid-provider/provider.ts). Saved otherwise, it names no device.
 */
function tiedToDevice(payload: AdapterPayload, signedIn: SignedIn | undefined): AdapterPayload {
  return signedIn && payload.accountId === signedIn.accountId
    ? { ...payload, [DEVICE_KEY]: signedIn.sessionId }
    : payload;
}

/** Who is signed in to Lanyard in the browser of the current provider request. */
export interface SignedIn {
  accountId: string;
  sessionId: string;
}

/** The models whose rows the provider reads by the token a client presents. */
const TOKEN_MODELS = new Set(['AuthorizationCode', 'RefreshToken', 'AccessToken']);

/** A stored row as `readTogether` returns it. */
export interface PayloadRow {
  model: string;
  id: string;
  uid: string | null;
  grant_id: string | null;
  payload: unknown;
  consumed_at: Date | null;
  expires_at: Date | null;
}

/** What one request is about, as far as its URL and headers tell before the provider reads anything. */
export interface RequestRows {
  /** The signing keys' version (src/openid-provider/current.ts) is read too. */
  keysVersion?: boolean;
  clientId?: string | undefined;
  /** The provider's session cookie: the session, and its grant for `clientId`. */
  sessionId?: string | undefined;
  /** A presented token: the token, its session, grant and client. */
  token?: { model: string; id: string } | undefined;
  /**
   * The id of Lanyard's own session in this browser (its cookie): the session with its account,
   * as `validateSessionById` reads it (`sessionJson`), in the same statement.
   */
  lanyardSessionId?: string | undefined;
}

/**
 * The rows a provider request reads, in one call instead of one round trip each: the client, the
 * provider session, the grant, a presented token with the session, grant and client it belongs
 * to, the account the token or session is for (model `Account`: what its claims are made of), and
 * the signing keys' version. Each is read by its primary key or `uid`, as the adapter would; what
 * is not there comes back as nothing. The keys' version is `undefined` when no keys are stored
 * (or not asked for). The query is a database function (migration 0042), planned once per
 * connection rather than on every call.
 */
export async function readTogether(
  db: Db,
  want: RequestRows,
): Promise<{ keysVersion: number | undefined; rows: PayloadRow[]; lanyardSession?: unknown }> {
  // A value with a NUL names no row (and PostgreSQL text cannot hold it): read as not there.
  const storable = (v: string | undefined) => (v === undefined || v.includes('\u0000') ? null : v);
  const parameters = [
    want.token?.model ?? null,
    storable(want.token?.id),
    storable(want.sessionId),
    storable(want.clientId),
    want.keysVersion === true,
  ];
  const withSession = want.lanyardSessionId !== undefined;
  if (withSession) parameters.push(storable(want.lanyardSessionId));
  const text = withSession ? readTogetherWithSessionText : readTogetherText;
  const { rows } = await db.executeQuery<PayloadRow & { keys_version: string | null }>(
    db.isTransaction
      ? CompiledQuery.raw(text, parameters)
      : (withSession ? readTogetherWithSessionCall : readTogetherCall)(parameters),
  );
  let keysVersion: number | undefined;
  let lanyardSession: unknown;
  const payloads: PayloadRow[] = [];
  for (const row of rows) {
    if (row.keys_version !== null) keysVersion = Number(row.keys_version);
    else if (row.model === LANYARD_SESSION) lanyardSession = row.payload;
    else payloads.push(row);
  }
  return withSession ? { keysVersion, rows: payloads, lanyardSession } : { keysVersion, rows: payloads };
}

/** The model name of Lanyard's own session in `readTogether`'s answer (never an oidc-provider model). */
const LANYARD_SESSION = 'lanyard:session';

const readTogetherText = `select model, id, uid, grant_id, payload, consumed_at, expires_at, keys_version
     from oidc_read_together($1, $2, $3, $4, $5)`;

/** The same with Lanyard's session of the browser and its account, in one statement (`sessionJson`). */
const readTogetherWithSessionText = `${readTogetherText}
  union all
  select '${LANYARD_SESSION}', session.id, null, null, ${sessionJson}, null, null, null
    from ${sessionJsonFrom} where session.id = $6`;

/** `readTogether`'s calls, prepared once per connection: PostgreSQL parses and plans each once. */
const readTogetherCall = preparedStatement(readTogetherText);
const readTogetherWithSessionCall = preparedStatement(readTogetherWithSessionText);

/** What an account's claims are made of (src/openid-provider/claims.ts), as `readTogether` reads it. */
export interface ClaimsAccount {
  id: string;
  email: string;
  email_verified: boolean;
  given_name: string | null;
  family_name: string | null;
  display_name: string | null;
  locale: string | null;
  status: 'active' | 'disabled';
  can_log_in: boolean;
  identities: { provider: string; subject: string; issuer: string | null; profile: ProfileSnapshot }[];
}

/**
 * The account the current provider request already read with its token or session, once; undefined
 * when it did not (outside a provider request, or already handed out).
 */
export function takeRequestAccount(accountId: string): ClaimsAccount | undefined {
  const row = requestReads.getStore()?.take('Account', 'id', accountId);
  return row ? (row.payload as ClaimsAccount) : undefined;
}

/**
 * The rows one provider request already read, each handed to the adapter once, for the lookup
 * that asks for it: a second lookup, and any lookup after the request wrote the row, goes to the
 * database. A row asked for and not there is remembered as absent.
 */
export class RequestReads {
  private readonly rows = new Map<string, PayloadRow | null>();
  /** Rows the request saved and that are not written yet (the later save of a row wins). */
  private readonly pending = new Map<string, NewPayloadRow>();

  /** A code or refresh token marked used, written with the saves after it (`consume`). */
  private consumption: Consumption | undefined;

  /** Set once the request's answer is ready: a save after that (none is known) is written at once. */
  private closed = false;

  /** Who is signed in to Lanyard in the request's browser: the device its provider session is noted with. */
  signedIn: SignedIn | undefined;

  /** Holds the row to be written later; false once the request is answered (write it now). */
  defer(row: NewPayloadRow): boolean {
    this.forget(row.model, row.id);
    if (this.closed) return false;
    this.pending.set(key(row.model, 'id', row.id), row);
    return true;
  }

  /** Writes what the request saved; what it saves after that is written at once. */
  async close(db: Db): Promise<void> {
    this.closed = true;
    await this.flush(db);
  }

  /**
   * Writes what the request saved, in one statement; with a pending `consume`, only if the code or
   * token was not used yet — else the grant is revoked and the request refused (`InvalidGrant`).
   */
  async flush(db: Db): Promise<void> {
    const consumption = this.consumption;
    if (this.pending.size === 0 && !consumption) return;
    const rows = [...this.pending.values()];
    this.pending.clear();
    this.consumption = undefined;
    if (!consumption) return upsertRows(db, rows);
    try {
      await consumeAndSave(db, consumption, rows);
    } catch (err) {
      this.clear(); // the grant may be revoked: nothing read of it stands
      throw err;
    }
  }

  /** Holds a `consume` to be written with the saves after it; false once the request is answered. */
  deferConsume(consumption: Consumption): boolean {
    if (this.closed) return false;
    this.consumption = consumption;
    return true;
  }

  add(rows: PayloadRow[], asked: RequestRows = {}): void {
    const absent = (model: string, id: string | undefined) => {
      if (id !== undefined && !this.rows.has(key(model, 'id', id))) this.rows.set(key(model, 'id', id), null);
    };
    for (const row of rows) {
      this.rows.set(key(row.model, 'id', row.id), row);
      if (row.uid !== null) this.rows.set(key(row.model, 'uid', row.uid), row);
    }
    absent('Client', asked.clientId);
    absent('Session', asked.sessionId);
    if (asked.token) absent(asked.token.model, asked.token.id);
  }

  /** The row read for this lookup (null: read, and not there), or undefined: not read. */
  take(model: string, column: 'id' | 'uid', value: string): PayloadRow | null | undefined {
    const k = key(model, column, value);
    const row = this.rows.get(k);
    if (row === undefined) return undefined;
    this.rows.delete(k);
    if (row) this.rows.delete(key(model, column === 'id' ? 'uid' : 'id', (column === 'id' ? row.uid : row.id) ?? ''));
    return row;
  }

  /** The row is written or deleted: what was read of it is stale. */
  forget(model: string, id: string): void {
    const row = this.rows.get(key(model, 'id', id));
    this.rows.delete(key(model, 'id', id));
    if (row?.uid) this.rows.delete(key(model, 'uid', row.uid));
  }

  clear(): void {
    this.rows.clear();
  }
}

const key = (model: string, column: 'id' | 'uid', value: string) => `${model}\0${column}\0${value}`;

const requestReads = new AsyncLocalStorage<RequestReads>();

/** Writes what the current provider request saved so far (nothing outside one). */
export async function flushRequestWrites(db: Db): Promise<void> {
  await requestReads.getStore()?.flush(db);
}

/** The current provider request is answered: what it saved is written now, and later saves at once. */
export async function endRequestWrites(db: Db): Promise<void> {
  await requestReads.getStore()?.close(db);
}

type NewPayloadRow = Omit<PayloadRow, 'payload' | 'consumed_at'> & { payload: string };

/** A code or refresh token to be marked used at `at`. */
interface Consumption {
  model: string;
  id: string;
  at: Date;
}

/** The columns of a saved row, in the order of the statements' parameters. */
const upsertColumns = ['model', 'id', 'payload', 'grant_id', 'uid', 'expires_at'] as const;
const columnTypes = ['text', 'text', 'jsonb', 'text', 'text', 'timestamptz'] as const;

/** `count` rows of parameters, from `$first` on, each cast to its column's type. */
const valuesList = (count: number, first: number) =>
  Array.from(
    { length: count },
    (_, row) =>
      `(${columnTypes.map((type, column) => `$${first + row * upsertColumns.length + column}::${type}`).join(', ')})`,
  ).join(', ');

const onConflict = `on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id,
    uid = excluded.uid, expires_at = excluded.expires_at`;

/**
 * The statements of `count` rows, each built once and prepared once per connection outside a
 * transaction (`preparedStatement`); a request saves one to three rows together.
 */
function statementOf(cache: Map<number, (p: readonly unknown[]) => CompiledQuery>, count: number, text: () => string) {
  let statement = cache.get(count);
  if (!statement) cache.set(count, (statement = preparedStatement(text())));
  return statement;
}
const upserts = new Map<number, (p: readonly unknown[]) => CompiledQuery>();
const consumesAndSaves = new Map<number, (p: readonly unknown[]) => CompiledQuery>();

const parametersOf = (rows: NewPayloadRow[]) => rows.flatMap((row) => upsertColumns.map((column) => row[column]));

/** Inserts the rows, or replaces each stored one with the same model and id. */
async function upsertRows(db: Db, rows: NewPayloadRow[]): Promise<void> {
  const text = () =>
    `insert into oidc_payload (${upsertColumns.join(', ')}) values ${valuesList(rows.length, 1)} ${onConflict}`;
  const parameters = parametersOf(rows);
  await db.executeQuery(
    db.isTransaction ? CompiledQuery.raw(text(), parameters) : statementOf(upserts, rows.length, text)(parameters),
  );
}

/**
 * Marks a code or refresh token used if nobody did yet — one conditional UPDATE, so of two
 * concurrent redemptions on any processes only one succeeds — and, in the same statement, saves
 * `rows` only if it did. If it did not, the grant it belongs to is revoked (every token issued
 * under it) and `InvalidGrant` thrown (`InvalidRequestUri` for a pushed authorization request).
 */
async function consumeAndSave(db: Db, consumption: Consumption, rows: NewPayloadRow[]): Promise<void> {
  const text = () => `with consumed as (
      update oidc_payload set consumed_at = $1 where model = $2 and id = $3 and consumed_at is null returning id
    )${
      rows.length
        ? `, saved as (
      insert into oidc_payload (${upsertColumns.join(', ')})
      select * from (values ${valuesList(rows.length, 4)}) as v where exists (select from consumed)
      ${onConflict}
    )`
        : ''
    }
    select exists (select from consumed) as consumed,
      (select grant_id from oidc_payload where model = $2 and id = $3) as grant_id`;
  const parameters = [consumption.at, consumption.model, consumption.id, ...parametersOf(rows)];
  const { rows: result } = await db.executeQuery<{ consumed: boolean; grant_id: string | null }>(
    db.isTransaction
      ? CompiledQuery.raw(text(), parameters)
      : statementOf(consumesAndSaves, rows.length, text)(parameters),
  );
  if (result[0]?.consumed) return;
  const grantId = result[0]?.grant_id;
  if (grantId) await db.deleteFrom('oidc_payload').where('grant_id', '=', grantId).execute();
  // Loaded already: only the provider, built on oidc-provider, consumes codes and tokens.
  const { errors } = await import('oidc-provider');
  // A pushed authorization request is used at the authorization endpoint, where a used one is
  // `invalid_request_uri` (the provider's own answer when it finds it used before it writes).
  if (consumption.model === 'PushedAuthorizationRequest')
    throw new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
  throw new errors.InvalidGrant('grant already used');
}

/** Runs one provider request with the rows read for it at hand (see `RequestReads`). */
export function withRequestReads<T>(reads: RequestReads, run: () => T): T {
  return requestReads.run(reads, run);
}

/**
 * Records that a client used a proof's `jti` (DPoP, RFC 9449 §11.1) until `expiresAt`; false when it
 * was used before and that record has not expired — a replay. One statement, so of two requests
 * with the same proof on any processes only one is the first. The row is the provider's own replay
 * record (model `ReplayDetection`, id the SHA-256 of client and jti, the payload it writes), so
 * housekeeping removes both alike; an expired record is taken over.
 */
export async function firstUseOfProof(
  db: Db,
  clientId: string,
  jti: string,
  expiresAt: Date,
  now: Date,
): Promise<boolean> {
  const id = createHash('sha256').update(`${clientId}${jti}`).digest('base64url');
  const payload = { jti: id, iss: clientId, kind: 'ReplayDetection', exp: Math.floor(expiresAt.getTime() / 1000) };
  const recorded = await db
    .insertInto('oidc_payload')
    .values({ model: 'ReplayDetection', id, payload: JSON.stringify(payload), expires_at: expiresAt })
    .onConflict((oc) =>
      oc
        .columns(['model', 'id'])
        .doUpdateSet({ payload: JSON.stringify(payload), expires_at: expiresAt, consumed_at: null })
        .where('oidc_payload.expires_at', '<=', now),
    )
    .returning('id')
    .executeTakeFirst();
  return recorded !== undefined;
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

/**
 * Ends what one of the account's devices holds at the OpenID provider: the provider sessions saved
 * under Lanyard's session `sessionId` in that browser (`DEVICE_KEY`), the grants made in them and
 * every code and token issued under those. A grant belongs to one provider session (a repository
 * signing in on another device gets a grant of its own there), so the account's other devices keep
 * theirs. Returns how many grants went.
 */
export async function revokeDeviceGrants(db: Db, accountId: string, sessionId: string): Promise<number> {
  const ofAccount = sql<string>`payload->>'accountId'`;
  const sessions = await db
    .selectFrom('oidc_payload')
    .select(['id', 'payload'])
    .where(ofAccount, '=', accountId)
    .where('model', '=', 'Session')
    .where(sql<string>`payload->>${DEVICE_KEY}`, '=', sessionId)
    .execute();
  if (!sessions.length) return 0;
  const made = sessions.flatMap((s) =>
    Object.values((s.payload as { authorizations?: Record<string, { grantId?: unknown }> }).authorizations ?? {})
      .map((a) => a.grantId)
      .filter((g): g is string => typeof g === 'string'),
  );
  const grantIds = made.length
    ? (
        await db
          .selectFrom('oidc_payload')
          .select('id')
          .where('model', '=', 'Grant')
          .where('id', 'in', made)
          .where(ofAccount, '=', accountId)
          .execute()
      ).map((g) => g.id)
    : [];
  await db
    .deleteFrom('oidc_payload')
    .where((eb) =>
      eb.or([
        eb.and([
          eb('model', '=', 'Session'),
          eb(
            'id',
            'in',
            sessions.map((s) => s.id),
          ),
        ]),
        ...(grantIds.length
          ? [eb.and([eb('model', '=', 'Grant'), eb('id', 'in', grantIds)]), eb('grant_id', 'in', grantIds)]
          : []),
      ]),
    )
    .execute();
  return grantIds.length;
}
