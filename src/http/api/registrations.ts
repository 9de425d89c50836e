import { parseEmail } from '../../accounts/email-address.js';
import { requestPasswordReset, requestRegistration } from '../../accounts/password-accounts.js';
import { changeRegistrationEmail, findRegistrationByToken } from '../../broker/registrations.js';
import { LanyardError } from '../../errors.js';
import type { Route } from '../app.js';
import { linkBase, withProofPage } from '../ui-links.js';
import { apiLimits } from './guards.js';
import { bindBrowser, browserHashOf } from '../browser-binding.js';
import { accountView, registrationJson } from './representations.js';
import { allAs, type StatusOverrides } from '../status-overrides.js';
import {
  AccountRequestQuery,
  EmailPatch,
  IdParams,
  NewRegistration,
  TokenQuery,
  empty,
  ok,
  refusals,
  refusalsWith,
  tokenRefusals,
} from './schemas.js';

const tags = ['registrations'];

/** DSpace's statuses (docs/design.md, DSpace §4.3, §4.6): 422 for a bad email, 401 when registration is off. */
const requestStatuses: StatusOverrides = { INVALID_EMAIL: 422, SELF_REGISTRATION_DISABLED: 401 };
/** PATCH: a refused token is DSpace's AccessDeniedException → 401 anonymous, 403 signed in. */
const patchStatuses: StatusOverrides = {
  INVALID_EMAIL: 422,
  ...allAs('caller', [...tokenRefusals, 'TOKEN_REGISTRATION_MISMATCH']),
};

/**
 * `/api/eperson/registrations` — DSpace's RegistrationRestRepository (docs/design.md, DSpace §4.2,
 * §4.3, §4.6): ask for a register/forgot link, read a registration by its token, change its email.
 */
export const registrationRoutes: Route = (api, lanyard) => {
  const { config } = lanyard;
  const limits = apiLimits(config);

  // The same answer whether or not an account uses the address: no enumeration (docs/design.md §4).
  api.post(
    '/api/eperson/registrations',
    {
      schema: {
        tags,
        summary: 'Ask for a registration (register) or password-reset (forgot) link by mail',
        querystring: AccountRequestQuery,
        body: NewRegistration,
        response: {
          201: empty('Accepted; a mail is on its way if the request applies.'),
          ...refusalsWith(
            requestStatuses,
            'VALIDATION_FAILED',
            'INVALID_EMAIL',
            'SELF_REGISTRATION_DISABLED',
            'CSRF_FAILED',
            'BODY_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
            'RATE_LIMITED',
          ),
        },
      },
      config: { ...limits.signIn, statusOverrides: requestStatuses },
    },
    async (request, reply) => {
      // `netId` is accepted for DSpace clients and never stored: an ORCID iD only ever reaches an
      // account through ORCID's own sign-in (DSpace §6.2 item 6: DSpace copies it as netid).
      const email = parseEmail(request.body.email);
      const base = linkBase(config, true);
      if (request.query.accountRequestType === 'register')
        await requestRegistration(lanyard, email, request.locale, base);
      else await requestPasswordReset(lanyard, email, request.locale, base);
      return reply.code(201).send();
    },
  );

  api.get(
    '/api/eperson/registrations/search/findByToken',
    {
      schema: {
        tags,
        summary: 'The registration a token belongs to',
        querystring: TokenQuery,
        response: {
          200: ok.registration,
          ...refusals(
            'VALIDATION_FAILED',
            'TOKEN_EXPIRED',
            'TOKEN_CONSUMED',
            'REGISTRATION_NOT_FOUND',
            'REGISTRATION_OTHER_BROWSER',
            'RATE_LIMITED',
          ),
        },
      },
      config: limits.token,
    },
    async (request) => {
      const { registration, user } = await findRegistrationByToken(
        lanyard,
        request.query.token,
        browserHashOf(lanyard, request),
      );
      const provider = registration.provider
        ? {
            id: registration.provider,
            label: lanyard.providers.get(registration.provider)?.label(request.locale) ?? registration.provider,
          }
        : null;
      return registrationJson(config, registration, user ? await accountView(lanyard, user) : null, provider);
    },
  );

  /**
   * DSpace's PATCH `/email` (RegistrationEmailPatchOperation): the token must be the one of `{id}`
   * (DSpace hole §6.2 item 1), the old token dies, a new link goes to the address. 204 either way.
   */
  api.patch(
    '/api/eperson/registrations/:id',
    {
      schema: {
        tags,
        summary: 'Set the email of an ORCID registration (JSON Patch add/replace on /email)',
        params: IdParams,
        querystring: TokenQuery,
        body: EmailPatch,
        consumes: ['application/json-patch+json', 'application/json'],
        response: {
          204: empty('Done: the old token is dead and a new link was mailed to the address.'),
          ...refusalsWith(
            patchStatuses,
            'VALIDATION_FAILED',
            'INVALID_EMAIL',
            ...tokenRefusals,
            'TOKEN_REGISTRATION_MISMATCH',
            'REGISTRATION_OTHER_BROWSER',
            'IDENTITY_PROOF_REQUIRED',
            'CSRF_FAILED',
            'REGISTRATION_EMAIL_STATE',
            'BODY_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
            'RATE_LIMITED',
          ),
        },
      },
      config: { ...limits.token, statusOverrides: patchStatuses },
    },
    async (request, reply) => {
      const operation = request.body[0]!;
      const value = Array.isArray(operation.value) ? operation.value[0]! : operation.value;
      const email = parseEmail(value);
      await changeRegistrationEmail(
        lanyard,
        request.query.token,
        email,
        request.locale,
        {
          id: request.params.id.toLowerCase(),
          email: operation.op === 'add' ? 'absent' : 'present',
          browser: browserHashOf(lanyard, request),
        },
        linkBase(config, true),
      ).catch(withProofPage(config, request.query.token));
      // The browser cookie lives as long as the link this browser just had sent may.
      if (browserHashOf(lanyard, request)) bindBrowser(lanyard, request, reply);
      return reply.code(204).send();
    },
  );

  // DSpace answers 405 here (RepositoryMethodNotImplementedException, RestContract epersonregistrations.md);
  // `Allow` names the methods these paths do have (src/http/allowed-methods.ts).
  const notAllowed = () => {
    throw new LanyardError('METHOD_NOT_ALLOWED', 'Registrations are read by their token only: use search/findByToken.');
  };
  const listing = {
    config: { refusesMethod: true },
    schema: {
      tags,
      summary: 'Not available: registrations are read by token only',
      response: refusals('VALIDATION_FAILED', 'METHOD_NOT_ALLOWED'),
    },
  };
  api.get('/api/eperson/registrations', listing, notAllowed);
  api.get(
    '/api/eperson/registrations/:id',
    { ...listing, schema: { ...listing.schema, params: IdParams } },
    notAllowed,
  );
};
