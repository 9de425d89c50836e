import { type Static, Type } from 'typebox';
import { type ErrorCode, errorCodes } from '../../errors.js';
import { allAs, type StatusOverrides, statusesOf } from '../status-overrides.js';

/**
 * The REST API's schemas: Fastify validates requests with them (unknown fields refused, no type
 * coercion — see src/http/app.ts) and @fastify/swagger turns the same objects into
 * /api/openapi.json. Shapes follow DSpace's RestContract (docs/design.md, DSpace §1.3, §4).
 */

const strict = { additionalProperties: false } as const;

export const Uuid = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
});

/**
 * Lanyard's tokens are 43 base64url characters. DSpace HEAD refuses blank tokens and ones over its
 * 48-character column with 400 (DSpace §4.2); Lanyard reads up to 64, refuses longer ones.
 */
export const Token = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^\\S+$',
  description: 'The registration token from the mailed link or the ORCID callback redirect.',
});

/** RFC 9457 problem details, as the app's one error handler sends them (src/http/errors.ts). */
const problemOf = (codes: readonly ErrorCode[]) =>
  Type.Object(
    {
      type: Type.String(),
      title: Type.String(),
      status: Type.Integer(),
      code: Type.Unsafe<ErrorCode>({ type: 'string', enum: [...codes], description: 'Stable; see docs/api.md.' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    },
    strict,
  );

const Link = Type.Object({ href: Type.String() }, strict);
const SelfLinks = Type.Object({ self: Link }, strict);

const metadataValueFields = {
  value: Type.String(),
  language: Type.Null(),
  authority: Type.Null(),
  confidence: Type.Integer(),
  place: Type.Integer(),
};
const MetadataValue = Type.Object(metadataValueFields, strict);
const MetadataKey = Type.String({ pattern: '^[a-z]+(\\.[a-z]+){1,2}$|^email$', maxLength: 64 });

/** DSpace's RegistrationRest (DSpace §1.3); `overrides` is the matching account's current value. */
export const RegistrationRest = Type.Object(
  {
    id: Uuid,
    email: Type.Union([Type.String(), Type.Null()]),
    user: Type.Union([Uuid, Type.Null()]),
    registrationType: Type.Enum([
      'ORCID',
      'VALIDATION_ORCID',
      'REGISTER',
      'FORGOT',
      'CHANGE_PASSWORD',
      'INVITATION',
      'CHANGE_EMAIL',
      'EXTERNAL',
      'VALIDATION',
    ]),
    netId: Type.Union([Type.String(), Type.Null()]),
    registrationMetadata: Type.Record(
      MetadataKey,
      Type.Array(Type.Object({ ...metadataValueFields, overrides: Type.Optional(Type.String()) }, strict)),
      strict,
    ),
    provider: Type.Optional(
      Type.Object(
        { id: Type.String(), label: Type.String() },
        { ...strict, description: 'Lanyard: the provider being linked' },
      ),
    ),
    type: Type.Literal('registration'),
    _links: SelfLinks,
  },
  strict,
);

/** DSpace's EPersonRest, the fields Lanyard has (netid = the linked ORCID iD). */
export const EPersonRest = Type.Object(
  {
    id: Uuid,
    uuid: Uuid,
    name: Type.String(),
    handle: Type.Null(),
    metadata: Type.Record(MetadataKey, Type.Array(MetadataValue), strict),
    netid: Type.Union([Type.String(), Type.Null()]),
    canLogIn: Type.Boolean(),
    email: Type.String(),
    requireCertificate: Type.Boolean(),
    selfRegistered: Type.Boolean(),
    type: Type.Literal('eperson'),
    _links: SelfLinks,
  },
  strict,
);

export const AuthnStatus = Type.Object(
  {
    okay: Type.Literal(true),
    authenticated: Type.Boolean(),
    type: Type.Literal('status'),
    _links: Type.Object({ self: Link, eperson: Type.Optional(Link) }, strict),
    _embedded: Type.Optional(Type.Object({ eperson: EPersonRest }, strict)),
  },
  strict,
);

// Requests.

export const TokenQuery = Type.Object({ token: Token }, strict);
export const IdParams = Type.Object({ id: Uuid }, strict);
export const UuidParams = Type.Object({ uuid: Uuid }, strict);

export const AccountRequestQuery = Type.Object(
  { accountRequestType: Type.Union([Type.Literal('register'), Type.Literal('forgot')]) },
  strict,
);

/** DSpace validates `@Email @NotEmpty email` and `@Size(max=64) netId` (DSpace §1.3, HEAD). */
export const NewRegistration = Type.Object(
  {
    email: Type.String({ maxLength: 1000 }),
    netId: Type.Optional(Type.String({ maxLength: 64 })),
    type: Type.Optional(Type.Literal('registration')),
  },
  strict,
);

const EmailValue = Type.String({ minLength: 1, maxLength: 1000 });
/** Exactly one operation: DSpace applies a second one to an already deleted registration (DSpace §10.3). */
export const EmailPatch = Type.Array(
  Type.Object(
    {
      op: Type.Union([Type.Literal('add'), Type.Literal('replace')]),
      path: Type.Literal('/email'),
      // The DSpace UI sends a one-element array; a plain string is accepted too (RegistrationEmailPatchOperation).
      value: Type.Union([EmailValue, Type.Array(EmailValue, { minItems: 1, maxItems: 1 })]),
    },
    strict,
  ),
  { minItems: 1, maxItems: 1 },
);

/**
 * DSpace's password PATCH (EPersonPasswordAddOperation): one `add` (the UI's op; `replace` as older
 * UIs sent it) on `/password`; `new_password` alone with a FORGOT token, with `current_password`
 * when signed in.
 */
export const PasswordPatch = Type.Array(
  Type.Object(
    {
      op: Type.Union([Type.Literal('add'), Type.Literal('replace')]),
      path: Type.Literal('/password'),
      value: Type.Object(
        {
          new_password: Type.String({ minLength: 1, maxLength: 4096 }),
          current_password: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
        },
        strict,
      ),
    },
    strict,
  ),
  { minItems: 1, maxItems: 1 },
);
export const OptionalTokenQuery = Type.Object({ token: Type.Optional(Token) }, strict);

const InputMetadataValue = Type.Object(
  {
    value: Type.String({ maxLength: 1000 }),
    language: Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Null()])),
    authority: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    confidence: Type.Optional(Type.Integer()),
    place: Type.Optional(Type.Integer()),
  },
  strict,
);

/** The body DSpace's UI posts to create an account from a token (DSpace §4.4). */
export const NewEPerson = Type.Object(
  {
    email: Type.Optional(Type.String({ maxLength: 1000 })),
    netid: Type.Optional(Type.String({ maxLength: 64 })),
    password: Type.Optional(Type.String({ maxLength: 4096 })),
    metadata: Type.Optional(
      Type.Record(MetadataKey, Type.Array(InputMetadataValue, { maxItems: 20 }), { ...strict, maxProperties: 20 }),
    ),
    canLogIn: Type.Optional(Type.Literal(true)),
    requireCertificate: Type.Optional(Type.Literal(false)),
    selfRegistered: Type.Optional(Type.Literal(true)),
    type: Type.Optional(Type.Literal('eperson')),
  },
  strict,
);
export type NewEPerson = Static<typeof NewEPerson>;

const Override = Type.String({ maxLength: 200 });
export const MergeQuery = Type.Object(
  {
    token: Token,
    override: Type.Optional(
      Type.Union([Override, Type.Array(Override, { maxItems: 10 })], {
        description:
          'Fields to take from the registration: eperson.firstname, eperson.lastname, email (comma list or repeated).',
      }),
    ),
  },
  strict,
);

/** Email and password; or `{}` (DSpace's UI after an external sign-in, and its token refresh): the current session's token. */
export const LoginBody = Type.Object(
  { user: Type.Optional(Type.String({ maxLength: 1000 })), password: Type.Optional(Type.String({ maxLength: 4096 })) },
  strict,
);

export const ProviderStartQuery = Type.Object({ redirectUrl: Type.Optional(Type.String({ maxLength: 2000 })) }, strict);

// Responses.

const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
export const ok = {
  registration: json(RegistrationRest, 'The registration.'),
  eperson: (description: string) => json(EPersonRest, description),
  status: json(AuthnStatus, 'Whether this client is signed in, and as whom.'),
};
export const empty = (description: string) => ({ description, type: 'null' });
export const redirect = (description: string) => ({
  description,
  type: 'null',
  headers: { Location: { type: 'string' } },
});

/** What a bad, expired, used or wrong-type registration token gets (src/stores/registrations.ts). */
export const tokenRefusals = ['TOKEN_INVALID', 'TOKEN_EXPIRED', 'TOKEN_CONSUMED', 'TOKEN_WRONG_TYPE'] as const;

/**
 * Refusals as problem+json: the listed codes grouped by their status (src/errors.ts). Each status
 * admits only its listed codes, so a response test checked against the document catches a code
 * the route was not documented to send.
 */
export function refusals(...codes: ErrorCode[]) {
  return refusalsWith({}, ...codes);
}

/** `refusals` for a route that answers some codes with DSpace's statuses (src/http/status-overrides.ts). */
export function refusalsWith(overrides: StatusOverrides, ...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes)
    for (const status of statusesOf(code, overrides)) byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      {
        description: `Refused: ${list.join(', ')}.`,
        content: { 'application/problem+json': { schema: problemOf(list) } },
      },
    ]),
  );
}

type ProblemResponse = { content?: Record<string, { schema?: { properties?: { code?: { enum?: ErrorCode[] } } } }> };

/** A route's `response` with `code` added to the refusals of its status (a refusal every API route may send). */
export function withRefusal(response: unknown, code: ErrorCode): Record<string, unknown> {
  const responses = (response ?? {}) as Record<string, unknown>;
  const status = errorCodes[code];
  const existing = responses[status] as ProblemResponse | undefined;
  const codes = existing?.content?.['application/problem+json']?.schema?.properties?.code?.enum ?? [];
  return { ...responses, ...refusalsWith(allAs(status, [...codes, code]), ...codes, code) };
}
