import { type Static, Type } from 'typebox';
import { EXTERNAL_ID_TYPES, RELATIONSHIPS, WORK_TYPES } from '../../orcid-api/work.js';

const strict = { additionalProperties: false } as const;
const enumOf = (values: readonly string[], description: string) =>
  Type.Unsafe<string>({ type: 'string', enum: [...values], description });
const HttpUrl = Type.String({ maxLength: 2000, pattern: '^https?://\\S+$' });

export const ExternalIdType = enumOf(EXTERNAL_ID_TYPES, 'ORCID’s external identifier type (doi, handle, uri, …).');

/**
 * These routes take no query parameters: one a repository adds (`?orcid=`, `?clientId=`, `?dryRun=`)
 * is refused rather than ignored, so nobody believes it selected or changed anything.
 */
export const NoQuery = Type.Object({}, strict);

/** The work's key in the path: its `self` external id (a DOI's `/` percent-encoded as `%2F`). */
export const WorkParams = Type.Object(
  {
    externalIdType: ExternalIdType,
    externalId: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S', description: 'The identifier’s value.' }),
  },
  strict,
);

const ExternalIdBody = Type.Object(
  {
    type: ExternalIdType,
    value: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }),
    url: Type.Optional(Type.Union([HttpUrl, Type.Null()])),
    relationship: enumOf(RELATIONSHIPS, 'How the identifier relates to the work.'),
  },
  strict,
);

const PublicationDate = Type.Object(
  {
    year: Type.String({ pattern: '^[0-9]{4}$' }),
    month: Type.Optional(Type.Union([Type.String({ pattern: '^(0[1-9]|1[0-2])$' }), Type.Null()])),
    day: Type.Optional(Type.Union([Type.String({ pattern: '^(0[1-9]|[12][0-9]|3[01])$' }), Type.Null()])),
  },
  strict,
);

/**
 * A work as a repository sends it: the parts of ORCID's v3.0 work a repository knows. The path's
 * external id is added as a `self` identifier when the body does not carry it already.
 */
export const WorkBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S' }),
    type: enumOf(WORK_TYPES, 'ORCID’s work type (journal-article, data-set, …).'),
    publicationDate: Type.Optional(Type.Union([PublicationDate, Type.Null()])),
    url: Type.Optional(Type.Union([HttpUrl, Type.Null()])),
    journalTitle: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 1000 }), Type.Null()])),
    externalIds: Type.Optional(Type.Array(ExternalIdBody, { maxItems: 50 })),
  },
  strict,
);
export type WorkBody = Static<typeof WorkBody>;

export const WriteParams = Type.Object(
  {
    id: Type.String({
      pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    }),
  },
  strict,
);

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const WriteRest = Type.Object({
  id: Type.String(),
  kind: Type.Unsafe<'put' | 'delete'>({ type: 'string', enum: ['put', 'delete'] }),
  state: Type.Unsafe<string>({
    type: 'string',
    enum: ['queued', 'delivered', 'failed', 'needs_consent'],
    description:
      'queued (waiting or being retried), delivered, failed (ORCID refused the work, or stayed unavailable), needs_consent (the researcher must authorize again; not retried).',
  }),
  outcome: Nullable(Type.Unsafe<string>({ type: 'string', enum: ['created', 'updated', 'deleted'] })),
  putCode: Nullable(Type.Integer()),
  externalIdType: Type.String(),
  externalId: Type.String(),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.String({ format: 'date-time' })),
  error: Nullable(
    Type.Object({
      code: Type.String({
        description: 'ORCID’s v3 error code (e.g. "9022") or Lanyard’s (ORCID_CONSENT_REQUIRED, …).',
      }),
      status: Nullable(Type.Integer()),
      message: Type.String({ description: 'ORCID’s developer message, or Lanyard’s.' }),
    }),
  ),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
});

export const WorkRest = Type.Object({
  externalIdType: Type.String(),
  externalId: Type.String(),
  putCode: Nullable(Type.Integer({ description: 'ORCID’s put-code, once the work is on the record.' })),
  orcid: Nullable(Type.String()),
  work: WorkBody,
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  lastWrite: Nullable(WriteRest),
});

export const WorkList = Type.Object({ works: Type.Array(WorkRest) });
