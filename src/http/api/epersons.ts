import { canonicalEmail } from '../../accounts/email-address.js';
import { changePassword, completeRegistration, resetPassword } from '../../accounts/password-accounts.js';
import {
  createAccountFromRegistration,
  mergeRegistration,
  type ReviewChoices,
  type ReviewField,
} from '../../broker/registrations.js';
import type { Account } from '../../db/schema.js';
import { LanyardError } from '../../errors.js';
import { checkRegistrationToken } from '../../stores/registrations.js';
import type { Route } from '../app.js';
import { isFreshAuth, requireAuth, sessionContext } from '../auth.js';
import { apiLimits } from './guards.js';
import { browserHashOf } from '../browser-binding.js';
import { withProofPage } from '../ui-links.js';
import { accountView, epersonJson } from './representations.js';
import { allAs, type StatusOverrides } from '../status-overrides.js';
import {
  MergeQuery,
  NewEPerson,
  OptionalTokenQuery,
  PasswordPatch,
  TokenQuery,
  UuidParams,
  ok,
  refusals,
  refusalsWith,
  tokenRefusals,
} from './schemas.js';

const tags = ['epersons'];

/** DSpace answers every refusal of create-from-token with 400 (EPersonRestRepository.createAndReturn, DSpace §4.4). */
const createStatuses: StatusOverrides = allAs(400, [
  ...tokenRefusals,
  'PASSWORD_TOO_WEAK',
  'SELF_REGISTRATION_DISABLED',
  'EMAIL_TAKEN',
  'IDENTITY_LINKED_ELSEWHERE',
  'REGISTRATION_EMAIL_STATE',
]);
/** Merge refusals are DSpace's AuthorizeException: 401 anonymous, 403 signed in (DSpace §4.5). */
const mergeStatuses: StatusOverrides = allAs('caller', [...tokenRefusals, 'FORBIDDEN']);

/**
 * Password PATCH: a refused token is DSpace's AccessDeniedException (401 anonymous, 403 signed in),
 * so is a wrong current password (403); a weak password is its PasswordNotValidException (422).
 */
const passwordStatuses: StatusOverrides = {
  ...allAs('caller', [...tokenRefusals, 'FORBIDDEN']),
  INVALID_CREDENTIALS: 403,
  PASSWORD_TOO_WEAK: 422,
};

/**
 * DSpace's `override` names (AccountServiceImpl.getUpdateActions) → the review choices of
 * docs/design.md §3 case 6. `eperson.orcid` and its scopes are what every merge links anyway.
 */
const overrideFields: Record<string, ReviewField | null> = {
  'eperson.firstname': 'givenName',
  'eperson.lastname': 'familyName',
  email: 'email',
  'eperson.orcid': null,
  'eperson.orcid.scope': null,
};

/** `override` as DSpace takes it: a comma list, repeated, or both. An unknown field is a 400 (DSpace: 400 too). */
export function choicesOf(override: string | string[] | undefined): ReviewChoices {
  const choices: ReviewChoices = {};
  const names = [override ?? []]
    .flat()
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!Object.hasOwn(overrideFields, name))
      throw new LanyardError('OVERRIDE_UNKNOWN_FIELD', `Cannot override "${name.slice(0, 64)}".`, {
        field: name.slice(0, 64),
        allowed: Object.keys(overrideFields),
      });
    const field = overrideFields[name];
    if (field) choices[field] = 'received';
  }
  return choices;
}

const fieldError = (field: string, message: string) => new LanyardError('VALIDATION_FAILED', message, { field });
const firstValue = (body: NewEPerson, key: string) => body.metadata?.[key]?.[0]?.value ?? '';

/**
 * `/api/eperson/epersons` — DSpace's EPersonRestRepository.createAndReturn(…, token) and
 * EPersonRegistrationRestController (docs/design.md, DSpace §4.4, §4.5). Neither signs the caller in:
 * as in DSpace, the client signs in with ORCID afterwards.
 */
export const epersonRoutes: Route = (api, lanyard) => {
  const { config } = lanyard;
  const limits = apiLimits(config);
  const respond = async (account: Account) => epersonJson(config, await accountView(lanyard, account));

  api.post(
    '/api/eperson/epersons',
    {
      schema: {
        tags,
        summary: 'Create an account from an ORCID (EXTERNAL) or REGISTER token',
        querystring: TokenQuery,
        body: NewEPerson,
        response: {
          201: ok.eperson('The new account. Not signed in: sign in with ORCID (or the password) next.'),
          ...refusalsWith(
            createStatuses,
            'VALIDATION_FAILED',
            'PASSWORD_TOO_WEAK',
            ...tokenRefusals,
            'REGISTRATION_OTHER_BROWSER',
            'IDENTITY_PROOF_REQUIRED',
            'SELF_REGISTRATION_DISABLED',
            'CSRF_FAILED',
            'EMAIL_TAKEN',
            'IDENTITY_LINKED_ELSEWHERE',
            'REGISTRATION_EMAIL_STATE',
            'BODY_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
            'RATE_LIMITED',
          ),
        },
      },
      config: { ...limits.token, statusOverrides: createStatuses },
    },
    async (request, reply) => {
      const { token } = request.query;
      const body = request.body;
      // Only tokens that prove an email may create: EXTERNAL (ORCID or a mailed link) and REGISTER.
      // A VALIDATION token means an account owns the address: it merges, never duplicates.
      const browser = browserHashOf(lanyard, request);
      const reg = await checkRegistrationToken(lanyard.db, token, {
        types: ['EXTERNAL', 'REGISTER'],
        now: lanyard.clock.now(),
        browser,
      });
      if (body.email !== undefined && canonicalEmail(body.email) !== reg.email)
        throw fieldError('email', 'The email must be the one of the registration.');
      let account: Account;
      if (reg.type === 'EXTERNAL') {
        if (body.netid !== undefined && body.netid !== reg.subject)
          throw fieldError('netid', 'The netid must be the ORCID iD of the registration.');
        if (body.password !== undefined)
          throw fieldError(
            'password',
            'An account made from an ORCID registration signs in with ORCID; set a password later.',
          );
        // The client's own page is where a mailed link's owner confirms (docs/api.md).
        ({ account } = await createAccountFromRegistration(
          lanyard,
          token,
          { ...sessionContext(request), signIn: false },
          { browser, confirmed: true, locale: request.locale },
        ).catch(withProofPage(config, token)));
      } else {
        // DSpace copies any JSON netid onto a password registrant (DSpace §6.2 item 6): never here.
        if (body.netid !== undefined)
          throw fieldError('netid', 'A netid only comes from signing in with its provider.');
        if (body.password === undefined) throw fieldError('password', 'A password is required.');
        ({ account } = await completeRegistration(lanyard, token, {
          givenName: firstValue(body, 'eperson.firstname'),
          familyName: firstValue(body, 'eperson.lastname'),
          password: body.password,
          locale: request.locale,
        }));
      }
      return reply.code(201).send(await respond(account));
    },
  );

  /**
   * Merge: VALIDATION tokens work anonymously, but only into the account owning the registration's
   * email — `{uuid}` must name it (DSpace hole §6.2 item 2); EXTERNAL tokens need the signed-in
   * account and `{uuid}` = it. Every override in one call: the token dies with the first merge.
   */
  api.post(
    '/api/eperson/epersons/:uuid',
    {
      schema: {
        tags,
        summary: 'Merge an ORCID registration into an account (link the iD, apply overrides)',
        params: UuidParams,
        querystring: MergeQuery,
        response: {
          201: ok.eperson('The account after the merge, the ORCID iD linked. Sign in with ORCID next.'),
          ...refusalsWith(
            mergeStatuses,
            'VALIDATION_FAILED',
            'OVERRIDE_UNKNOWN_FIELD',
            ...tokenRefusals,
            'REGISTRATION_OTHER_BROWSER',
            'IDENTITY_PROOF_REQUIRED',
            'AUTH_REQUIRED',
            'REAUTH_REQUIRED',
            'FORBIDDEN',
            'CSRF_FAILED',
            'EMAIL_TAKEN',
            'ACCOUNT_EMAIL_UNVERIFIED',
            'IDENTITY_LINKED_ELSEWHERE',
            'IDENTITY_ALREADY_LINKED',
            'BODY_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
            'RATE_LIMITED',
          ),
        },
      },
      config: { ...limits.token, statusOverrides: mergeStatuses },
    },
    async (request, reply) => {
      const choices = choicesOf(request.query.override);
      const { account } = await mergeRegistration(lanyard, request.query.token, {
        viewer: request.auth?.account ?? null,
        viewerFresh: isFreshAuth(lanyard, request),
        choices,
        claimedTargetId: request.params.uuid.toLowerCase(),
        session: { ...sessionContext(request), signIn: false },
        // The client's own review page is where a mailed link's owner confirms (docs/api.md).
        use: { browser: browserHashOf(lanyard, request), confirmed: true },
      }).catch(withProofPage(config, request.query.token));
      return reply.code(201).send(await respond(account));
    },
  );

  /**
   * DSpace's password PATCH, as the UI's /forgot/{token} page and its profile's security form send
   * it: with `?token=` (a FORGOT link) the registration's account — `{uuid}` must name it — gets the
   * new password, the address counts as proven and every session ends (like /forgot/{token}); signed
   * in, `{uuid}` must be the account and `current_password` is the proof (like /profile). Neither
   * signs in: the UI signs in with the new password next.
   */
  api.patch(
    '/api/eperson/epersons/:uuid',
    {
      schema: {
        tags,
        summary: 'Set a new password: with a forgot-password token, or signed in with the current password',
        params: UuidParams,
        querystring: OptionalTokenQuery,
        body: PasswordPatch,
        consumes: ['application/json-patch+json', 'application/json'],
        response: {
          200: ok.eperson('The account; its password is changed. Sign in with it next.'),
          ...refusalsWith(
            passwordStatuses,
            'VALIDATION_FAILED',
            'PASSWORD_TOO_WEAK',
            ...tokenRefusals,
            'AUTH_REQUIRED',
            'FORBIDDEN',
            'INVALID_CREDENTIALS',
            'ACCOUNT_DISABLED',
            'CSRF_FAILED',
            'BODY_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
            'RATE_LIMITED',
          ),
        },
      },
      config: { ...limits.token, statusOverrides: passwordStatuses },
    },
    async (request) => {
      const uuid = request.params.uuid.toLowerCase();
      const { new_password: next, current_password: current } = request.body[0]!.value;
      const { token } = request.query;
      if (token !== undefined) {
        if (current !== undefined)
          throw fieldError('current_password', 'With a reset link, send only the new password.');
        const pending = await checkRegistrationToken(lanyard.db, token, {
          types: ['FORGOT'],
          now: lanyard.clock.now(),
        });
        if (pending.account_id !== uuid)
          throw new LanyardError('FORBIDDEN', 'This link does not belong to that account.');
        return respond((await resetPassword(lanyard, token, next)).account);
      }
      const { account, session } = requireAuth(request);
      if (account.id !== uuid) throw new LanyardError('FORBIDDEN', 'You can change only your own password.');
      if (current === undefined) throw fieldError('current_password', 'Send your current password with the new one.');
      await changePassword(lanyard, account, current, next, session.id, request.ip);
      return respond(account);
    },
  );

  // DSpace lets an EPerson read itself (and admins anyone); Lanyard's API has no admin role yet.
  api.get(
    '/api/eperson/epersons/:uuid',
    {
      schema: {
        tags,
        summary: 'The signed-in account',
        params: UuidParams,
        response: { 200: ok.eperson('The account.'), ...refusals('VALIDATION_FAILED', 'AUTH_REQUIRED', 'FORBIDDEN') },
      },
    },
    async (request) => {
      const { account } = requireAuth(request);
      if (account.id !== request.params.uuid.toLowerCase())
        throw new LanyardError('FORBIDDEN', 'You can read only your own account.');
      return respond(account);
    },
  );
};
