import { Type } from 'typebox';
import { LanyardError } from '../../errors.js';
import { OrcidApiError, orcidApiFor, orcidIdentityOf } from '../../orcid-api/client.js';
import { readRecordCached } from '../../orcid-api/record.js';
import type { Route } from '../app.js';
import { orcidApiGuard } from './orcid-caller.js';
import { NoQuery } from './orcid-schemas.js';
import { refusals } from './schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Str = Nullable(Type.String());
const FuzzyDate = Type.Object({ year: Type.String(), month: Type.Optional(Str), day: Type.Optional(Str) });
const ExternalId = Type.Object({
  type: Type.String(),
  value: Type.String(),
  url: Type.Optional(Str),
  relationship: Type.String({ description: '`self`, `part-of`, `version-of` or `funded-by`.' }),
});
const Work = Type.Object({
  putCode: Type.Integer(),
  title: Str,
  type: Str,
  publicationDate: Type.Union([FuzzyDate, Type.Null()]),
  journalTitle: Str,
  url: Str,
  externalIds: Type.Array(ExternalId),
  visibility: Str,
  sourceClientId: Type.Union([Type.String(), Type.Null()], {
    description: 'The ORCID client that added it; null when the researcher did.',
  }),
  sourceName: Str,
});
const Affiliation = Type.Object({
  putCode: Type.Integer(),
  organization: Str,
  role: Str,
  department: Str,
  startYear: Str,
  endYear: Str,
});
const Funding = Type.Object({ putCode: Type.Integer(), title: Str, organization: Str, type: Str });
const RecordRest = Type.Object({
  orcid: Type.String({ description: 'The researcher’s ORCID iD (bare, `0000-0002-1825-0097`).' }),
  readAt: Type.String({ format: 'date-time', description: 'When Lanyard read it from ORCID (cached up to 60 s).' }),
  works: Type.Array(Work),
  employments: Type.Array(Affiliation),
  educations: Type.Array(Affiliation),
  fundings: Type.Array(Funding),
});

/**
 * `GET /api/orcid/record`: the researcher's ORCID record summary (works, employments, educations,
 * fundings) as ORCID shows it to the token Lanyard holds, for a repository with an `orcid.works`
 * access token or the researcher's own session. Reading the record is not limited to the caller's
 * own works: it is what the researcher let Lanyard read.
 */
export const orcidRecordRoutes: Route = (api, lanyard) => {
  const callerOf = orcidApiGuard(api, lanyard);
  api.get(
    '/api/orcid/record',
    {
      schema: {
        tags: ['orcid'],
        summary: 'The researcher’s ORCID record summary: works, employments, educations, fundings',
        querystring: NoQuery,
        response: {
          200: { description: 'The record summary.', content: { 'application/json': { schema: RecordRest } } },
          ...refusals(
            'VALIDATION_FAILED',
            'AUTH_REQUIRED',
            'ACCESS_TOKEN_INVALID',
            'DPOP_PROOF_INVALID',
            'ACCESS_TOKEN_SCOPE',
            'PROVIDER_NOT_CONFIGURED',
            'ORCID_NOT_LINKED',
            'ORCID_CONSENT_REQUIRED',
            'PROVIDER_UNAVAILABLE',
            'PROVIDER_ERROR',
            'RATE_LIMITED',
          ),
        },
      },
    },
    async (request, reply) => {
      const caller = await callerOf(request, reply);
      const orcid = await orcidApiFor(lanyard, caller.accountId);
      if (!orcid) {
        if (!(await orcidIdentityOf(lanyard, caller.accountId)))
          throw new LanyardError('ORCID_NOT_LINKED', 'The researcher has no ORCID iD linked to their account.');
        throw consentRequired();
      }
      try {
        const { record, readAt } = await readRecordCached(orcid, lanyard.clock.now());
        return { ...record, readAt: readAt.toISOString() };
      } catch (e) {
        if (!(e instanceof OrcidApiError)) throw e;
        if (e.failure === 'invalid_token') throw consentRequired();
        if (e.failure === 'unavailable')
          throw new LanyardError('PROVIDER_UNAVAILABLE', 'ORCID could not be reached. Try again later.', {
            provider: 'ORCID',
          });
        throw new LanyardError('PROVIDER_ERROR', `ORCID refused to read the record: ${e.message}`, {
          provider: 'ORCID',
        });
      }
    },
  );
};

const consentRequired = () =>
  new LanyardError(
    'ORCID_CONSENT_REQUIRED',
    'The researcher must allow Lanyard to read their ORCID record again (their account page, ORCID).',
  );
