// Runtime validation of everything that enters from outside: the fixture file, admin requests.
// The TypeBox schemas mirror the interfaces in types.ts and faults.ts; the assignments at the
// bottom make the compiler prove they agree.
import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import type { FaultSettings } from './faults.js';
import { EmulatorInputError } from './lib/errors.js';
import type { ClientRegistration, EmulatorFixtures, FixtureUser } from './types.js';

const Visibility = Type.Union([
  Type.Literal('public'),
  Type.Literal('limited'),
  Type.Literal('registered-only'),
  Type.Literal('private'),
]);
const OptionalText = Type.Optional(Type.Union([Type.String(), Type.Null()]));
const Year = Type.Optional(Type.Integer({ minimum: 1000, maximum: 9999 }));
const AffiliationSchema = Type.Object(
  {
    organization: Type.String({ minLength: 1 }),
    city: Type.Optional(Type.String()),
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    department: Type.Optional(Type.String()),
    role: Type.Optional(Type.String()),
    startYear: Year,
    endYear: Year,
    visibility: Type.Optional(Visibility),
  },
  { additionalProperties: false },
);
const FundingSchema = Type.Object(
  {
    title: Type.String({ minLength: 1 }),
    type: Type.Optional(
      Type.Union([
        Type.Literal('grant'),
        Type.Literal('contract'),
        Type.Literal('award'),
        Type.Literal('salary-award'),
      ]),
    ),
    organization: Type.String({ minLength: 1 }),
    city: Type.Optional(Type.String()),
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    startYear: Year,
    endYear: Year,
    grantNumber: Type.Optional(Type.String()),
    visibility: Type.Optional(Visibility),
  },
  { additionalProperties: false },
);

export const FixtureUserSchema = Type.Object({
  orcid: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  givenNames: Type.String({ minLength: 1 }),
  familyName: OptionalText,
  creditName: OptionalText,
  nameVisibility: Type.Optional(Visibility),
  biography: OptionalText,
  biographyVisibility: Type.Optional(Visibility),
  emails: Type.Optional(
    Type.Array(
      Type.Object({
        email: Type.String({ minLength: 3 }),
        visibility: Visibility,
        verified: Type.Boolean(),
        primary: Type.Optional(Type.Boolean()),
      }),
    ),
  ),
  works: Type.Optional(
    Type.Array(
      Type.Object({
        title: Type.String(),
        type: Type.Optional(Type.String()),
        year: Type.Optional(Type.Integer()),
        journal: Type.Optional(Type.String()),
        doi: Type.Optional(Type.String()),
        visibility: Type.Optional(Visibility),
      }),
    ),
  ),
  employments: Type.Optional(Type.Array(AffiliationSchema)),
  educations: Type.Optional(Type.Array(AffiliationSchema)),
  fundings: Type.Optional(Type.Array(FundingSchema)),
  activitiesVisibilityDefault: Type.Optional(Visibility),
  mfa: Type.Optional(Type.Boolean()),
});

export const ClientRegistrationSchema = Type.Object({
  // Real ids are `APP-` + 16 upper-case alphanumerics (orcid-api-web/README.md; §1.2), as the
  // bundled fixtures are; registration enforces only the documented hard limit, a `client_id`
  // over 50 characters being "missing or invalid" (`OrcidApiCommonEndpoints`; §1.4).
  clientId: Type.String({ minLength: 1, maxLength: 50 }),
  clientSecret: Type.String({ minLength: 1, maxLength: 100 }),
  redirectUris: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  member: Type.Optional(Type.Boolean()),
  name: Type.Optional(Type.String()),
});

export const FixturesSchema = Type.Object({
  clients: Type.Array(ClientRegistrationSchema),
  users: Type.Array(FixtureUserSchema),
});

const FaultSpecSchema = Type.Union([
  Type.Null(),
  Type.Object(
    {
      delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
      status: Type.Optional(Type.Union([Type.Literal(500), Type.Literal(502), Type.Literal(503), Type.Literal(504)])),
      malformedJson: Type.Optional(Type.Boolean()),
      refuseConnections: Type.Optional(Type.Boolean()),
      loseResponse: Type.Optional(Type.Boolean()),
      rateLimit: Type.Optional(
        Type.Object({
          perSecond: Type.Number({ exclusiveMinimum: 0 }),
          burst: Type.Integer({ minimum: 1 }),
        }),
      ),
      retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
      times: Type.Optional(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  ),
]);

export const FaultSettingsSchema = Type.Object(
  Object.fromEntries(
    ['all', 'discovery', 'authorize', 'token', 'revoke', 'userinfo', 'api'].map((group) => [
      group,
      Type.Optional(FaultSpecSchema),
    ]),
  ),
  { additionalProperties: false },
);

/** `value` checked against `schema`; throws `EmulatorInputError` listing each problem's path. */
export function parse<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  if (Value.Check(schema, value)) return value;
  const problems = [...new Set([...Value.Errors(schema, value)].map((e) => `${e.instancePath || '/'} ${e.message}`))];
  throw new EmulatorInputError(`invalid ${what}: ${problems.slice(0, 5).join('; ')}`);
}

// Compile-time agreement between the schemas and the documented interfaces.
const _user: FixtureUser = {} as Static<typeof FixtureUserSchema>;
const _client: ClientRegistration = {} as Static<typeof ClientRegistrationSchema>;
const _fixtures: EmulatorFixtures = {} as Static<typeof FixturesSchema>;
const _faults: FaultSettings = {} as Static<typeof FaultSettingsSchema>;
void [_user, _client, _fixtures, _faults];
