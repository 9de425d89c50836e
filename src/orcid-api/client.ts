import type { OrcidConfig } from '../config/schema.js';
import { outboundFetch } from '../lib/outbound-proxy.js';
import type { Lanyard } from '../lanyard.js';
import { loadProviderTokens } from '../stores/provider-tokens.js';

/** The id ORCID identities are stored under (the ORCID entry's id is always `orcid`). */
export const ORCID_PROVIDER_ID = 'orcid';

/** ORCID's own JSON media type: the v3.0 API answers XML to anything else. */
const ORCID_JSON = 'application/vnd.orcid+json';

/**
 * What went wrong talking to ORCID, sorted by what the caller should do about it:
 * - `unavailable`: ORCID did not answer, answered 5xx, or is rate limiting (503/429) — try later;
 * - `invalid_token`: ORCID no longer accepts the stored token (revoked, expired, another record) —
 *   the researcher has to authorize Lanyard again; retrying cannot help;
 * - `forbidden`: the token lacks the scope, or the work is another source's (403);
 * - `invalid`: ORCID refused the content (400, with its v3 error code and developer message);
 * - `duplicate`: a work with the same `self` external id from the same source exists (409);
 * - `not_found`: no such record or put-code (404);
 * - `other`: any other answer.
 */
export type OrcidFailure =
  'unavailable' | 'invalid_token' | 'forbidden' | 'invalid' | 'duplicate' | 'not_found' | 'other';

export class OrcidApiError extends Error {
  constructor(
    readonly failure: OrcidFailure,
    /** HTTP status ORCID answered, or null when no answer arrived. */
    readonly status: number | null,
    message: string,
    /** ORCID's v3 `error-code` (e.g. 9022), when its body had one. */
    readonly orcidCode: number | null = null,
    /** ORCID's `developer-message`, when its body had one. */
    readonly developerMessage: string | null = null,
    /** How long ORCID (or a front end of it) asked to wait, from `Retry-After` on a 503 or 429. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'OrcidApiError';
  }

  /** Worth trying again later (ORCID down, 5xx, rate limited)? */
  get transient(): boolean {
    return this.failure === 'unavailable';
  }
}

export interface FuzzyDate {
  year: string;
  month?: string | null;
  day?: string | null;
}

export interface ExternalId {
  type: string;
  value: string;
  url?: string | null;
  relationship: 'self' | 'part-of' | 'version-of' | 'funded-by';
}

/** The work Lanyard writes: the parts of v3.0's `work` a repository needs. */
export interface WorkContent {
  title: string;
  type: string;
  publicationDate?: FuzzyDate | null;
  url?: string | null;
  journalTitle?: string | null;
  externalIds: ExternalId[];
}

export interface WorkSummary {
  putCode: number;
  title: string | null;
  type: string | null;
  publicationDate: FuzzyDate | null;
  journalTitle: string | null;
  url: string | null;
  externalIds: ExternalId[];
  visibility: string | null;
  /** The client id that added it, or null when the researcher did (or ORCID does not say). */
  sourceClientId: string | null;
  sourceName: string | null;
}

export interface AffiliationSummary {
  putCode: number;
  organization: string | null;
  role: string | null;
  department: string | null;
  startYear: string | null;
  endYear: string | null;
}

export interface FundingSummary {
  putCode: number;
  title: string | null;
  organization: string | null;
  type: string | null;
}

/** The researcher's record summary (`/activities`), flattened. */
export interface RecordSummary {
  orcid: string;
  works: WorkSummary[];
  employments: AffiliationSummary[];
  educations: AffiliationSummary[];
  fundings: FundingSummary[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const valueOf = (v: unknown): string | null => str(obj(v).value);
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

function dateOf(v: unknown): FuzzyDate | null {
  const d = obj(v);
  const year = valueOf(d.year);
  return year === null ? null : { year, month: valueOf(d.month), day: valueOf(d.day) };
}

export function externalIdsOf(v: unknown): ExternalId[] {
  return arr(obj(v)['external-id']).map((raw) => {
    const e = obj(raw);
    return {
      type: str(e['external-id-type']) ?? '',
      value: str(e['external-id-value']) ?? '',
      url: valueOf(e['external-id-url']),
      relationship: (str(e['external-id-relationship']) ?? 'self') as ExternalId['relationship'],
    };
  });
}

function workSummaryOf(raw: unknown): WorkSummary {
  const w = obj(raw);
  const source = obj(w.source);
  return {
    putCode: num(w['put-code']),
    title: valueOf(obj(w.title).title),
    type: str(w.type),
    publicationDate: dateOf(w['publication-date']),
    journalTitle: valueOf(w['journal-title']),
    url: valueOf(w.url),
    externalIds: externalIdsOf(w['external-ids']),
    visibility: str(w.visibility),
    sourceClientId: str(obj(source['source-client-id']).path),
    sourceName: valueOf(source['source-name']),
  };
}

/** Every work summary of a `/works` answer (or the `works` part of `/activities`). */
export const worksOf = (works: unknown): WorkSummary[] =>
  arr(obj(works).group).flatMap((g) => arr(obj(g)['work-summary']).map(workSummaryOf));

const affiliationsOf = (section: unknown, kind: string): AffiliationSummary[] =>
  arr(obj(section)['affiliation-group']).flatMap((g) =>
    arr(obj(g).summaries).map((s) => {
      const a = obj(obj(s)[`${kind}-summary`]);
      return {
        putCode: num(a['put-code']),
        organization: str(obj(a.organization).name),
        role: str(a['role-title']),
        department: str(a['department-name']),
        startYear: dateOf(a['start-date'])?.year ?? null,
        endYear: dateOf(a['end-date'])?.year ?? null,
      };
    }),
  );

const fundingsOf = (section: unknown): FundingSummary[] =>
  arr(obj(section).group).flatMap((g) =>
    arr(obj(g)['funding-summary']).map((raw) => {
      const f = obj(raw);
      return {
        putCode: num(f['put-code']),
        title: valueOf(obj(f.title).title),
        organization: str(obj(f.organization).name),
        type: str(f.type),
      };
    }),
  );

/** v3.0's `work` JSON for `content` (`putCode` on an update, which ORCID requires in the body). */
export function workJson(content: WorkContent, putCode?: number): Json {
  const date = content.publicationDate;
  return {
    ...(putCode === undefined ? {} : { 'put-code': putCode }),
    title: { title: { value: content.title } },
    'journal-title': content.journalTitle ? { value: content.journalTitle } : null,
    type: content.type,
    'publication-date': date
      ? {
          year: { value: date.year },
          month: date.month ? { value: date.month } : null,
          day: date.day ? { value: date.day } : null,
        }
      : null,
    'external-ids': {
      'external-id': content.externalIds.map((e) => ({
        'external-id-type': e.type,
        'external-id-value': e.value,
        'external-id-url': e.url ? { value: e.url } : null,
        'external-id-relationship': e.relationship,
      })),
    },
    url: content.url ? { value: content.url } : null,
  };
}

/** The ORCID API of one researcher, with the token Lanyard holds for their iD. */
export class OrcidApi {
  constructor(
    readonly orcid: string,
    private readonly accessToken: string,
    /** The scopes ORCID granted to this token (e.g. `/read-limited`, `/activities/update`). */
    readonly scopes: string[],
    private readonly config: Pick<OrcidConfig, 'apiUrl' | 'timeoutMs'>,
  ) {}

  /** May this token write activities? (`/activities/update`) */
  get canUpdateWorks(): boolean {
    return this.scopes.includes('/activities/update');
  }

  /** The record summary: works, employments, educations and fundings (`GET /v3.0/{iD}/activities`). */
  async readRecord(): Promise<RecordSummary> {
    const body = obj(await this.call('GET', '/activities'));
    return {
      orcid: this.orcid,
      works: worksOf(body.works),
      employments: affiliationsOf(body.employments, 'employment'),
      educations: affiliationsOf(body.educations, 'education'),
      fundings: fundingsOf(body.fundings),
    };
  }

  /** Every work on the record this token may see (`GET /v3.0/{iD}/works`). */
  async listWorks(): Promise<WorkSummary[]> {
    return worksOf(await this.call('GET', '/works'));
  }

  /** Adds a work; returns ORCID's put-code (from the `Location` of its 201). */
  async createWork(content: WorkContent): Promise<number> {
    const res = await this.send('POST', '/work', workJson(content));
    const location = res.headers.get('location') ?? '';
    const putCode = Number(/\/work\/(\d+)\/?$/.exec(location)?.[1]);
    if (!Number.isSafeInteger(putCode))
      throw new OrcidApiError('other', res.status, 'ORCID created the work but named no put-code.');
    return putCode;
  }

  async updateWork(putCode: number, content: WorkContent): Promise<void> {
    await this.send('PUT', `/work/${putCode}`, workJson(content, putCode));
  }

  async deleteWork(putCode: number): Promise<void> {
    await this.send('DELETE', `/work/${putCode}`);
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.send(method, path, body);
    try {
      return await res.json();
    } catch {
      throw new OrcidApiError('unavailable', res.status, 'ORCID answered malformed JSON.');
    }
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await outboundFetch(`${this.config.apiUrl}/v3.0/${this.orcid}${path}`, {
        method,
        headers: {
          accept: ORCID_JSON,
          authorization: `Bearer ${this.accessToken}`,
          ...(body === undefined ? {} : { 'content-type': ORCID_JSON }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (e) {
      throw new OrcidApiError('unavailable', null, `ORCID did not answer: ${(e as Error).message}`);
    }
    if (res.ok) return res;
    throw await failureOf(res, this.accessToken);
  }
}

/**
 * Reads ORCID's refusal: the v3 error body (`error-code`, `developer-message`) or OAuth's `error`.
 * OAuth's `error_description` is never kept: ORCID's reads "Invalid access token: <the token>",
 * and what this returns ends up stored and shown to repositories. A v3 message is kept with the
 * researcher's token cut out, should ORCID ever echo it there too.
 */
async function failureOf(res: Response, accessToken: string): Promise<OrcidApiError> {
  let body: Json = {};
  try {
    body = obj(JSON.parse(await res.text()));
  } catch {
    /* not JSON: the status alone decides */
  }
  const code = typeof body['error-code'] === 'number' ? body['error-code'] : null;
  const developer = str(body['developer-message'])?.split(accessToken).join('[token]');
  const s = res.status;
  const failure: OrcidFailure =
    s >= 500 || s === 429
      ? 'unavailable'
      : s === 401
        ? 'invalid_token'
        : s === 403
          ? 'forbidden'
          : s === 400
            ? 'invalid'
            : s === 409
              ? 'duplicate'
              : s === 404
                ? 'not_found'
                : 'other';
  const retryAfter = s === 503 || s === 429 ? retryAfterSeconds(res.headers.get('retry-after')) : null;
  return new OrcidApiError(failure, s, developer ?? `ORCID answered HTTP ${s}.`, code, developer, retryAfter);
}

/** `Retry-After` as seconds from now (RFC 9110 §10.2.3: delay-seconds or an HTTP date), or null. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The researcher's ORCID identity: its id and iD, or null when the account has none. */
export async function orcidIdentityOf(
  lanyard: Pick<Lanyard, 'db'>,
  accountId: string,
): Promise<{ identityId: string; orcid: string } | null> {
  const row = await lanyard.db
    .selectFrom('identity')
    .select(['id', 'subject'])
    .where('account_id', '=', accountId)
    .where('provider', '=', ORCID_PROVIDER_ID)
    .executeTakeFirst();
  return row ? { identityId: row.id, orcid: row.subject } : null;
}

/**
 * The ORCID API client for a researcher: their ORCID identity's stored token, unsealed, against
 * the configured API (production, sandbox, custom or the emulator). Null when ORCID is not
 * configured, the account has no ORCID iD, or Lanyard holds no token for it.
 */
export async function orcidApiFor(
  lanyard: Pick<Lanyard, 'db' | 'config'>,
  accountId: string,
): Promise<OrcidApi | null> {
  const config = lanyard.config.orcid;
  if (!config) return null;
  const identity = await orcidIdentityOf(lanyard, accountId);
  if (!identity) return null;
  const tokens = await loadProviderTokens(lanyard.db, lanyard.config.secretKeys, identity.identityId);
  if (!tokens) return null;
  return new OrcidApi(identity.orcid, tokens.accessToken, tokens.scopes, config);
}
