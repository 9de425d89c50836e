// One work at a time: `GET /v3.0/{iD}/work/{put-code}` on both APIs, and the member API's writes
// `POST /v3.0/{iD}/work`, `PUT` and `DELETE /v3.0/{iD}/work/{put-code}`. Each write runs ORCID's
// checks in its order (ORCID-Source `MemberV3ApiServiceDelegatorImpl`, `WorkManagerImpl`):
// bearer token, record, token for this record, `/activities/update`, body, then the work itself.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from '../lib/request.js';
import { canUpdateActivities } from '../lib/scopes.js';
import { NOT_FOUND, forbidden, invalidToken, sendApiError, unrouted, type ApiErrorSpec } from '../record/errors.js';
import { negotiate, sendRepresented, type Representation } from '../record/negotiate.js';
import type { Viewer } from '../record/viewer.js';
import { readWork, type WorkInput } from '../record/work-input.js';
import { canSeeWork, workView } from '../record/works.js';
import * as refuse from '../record/write-errors.js';
import type { OrcidEmulatorState } from '../state.js';
import type { TokenGrant } from '../store/tokens.js';
import type { EmulatorUser } from '../store/users.js';
import { nextPutCode, sameSource, sharesSelfId, type EmulatorWork, type WorkSource } from '../store/works.js';

type Params = { orcid: string; putCode: string };
type Request = FastifyRequest<{ Params: Params }>;

export interface WorkRouteContext {
  state: OrcidEmulatorState;
  api: 'member' | 'public';
  /** The bearer check shared with the record reads; 'answered' when it already replied. */
  authorizeRead(request: FastifyRequest, reply: FastifyReply): TokenGrant | null | 'answered';
  viewerFor(grant: TokenGrant | null, user: EmulatorUser): Viewer;
}

// What a client may send: ORCID's JSON types (the XML ones are not emulated).
const JSON_BODY = /^application\/(vnd\.orcid\+json|orcid\+json|json)\s*(;|$)/i;

const WORK_XML = { root: 'work', ns: 'work' };

export function registerWorkRoutes(app: FastifyInstance, ctx: WorkRouteContext): void {
  const { state } = ctx;
  const clientName = (clientId: string) => state.clients.get(clientId)?.name ?? clientId;
  const config = { orcidEmulatorGroup: 'api' as const };

  /** A write's caller: the token's grant and the record, or null once an error has been answered. */
  function authorizeWrite(request: Request, reply: FastifyReply, rep: Representation) {
    const token = bearerToken(request);
    if (token === null) return void forbidden(reply);
    const grant = state.tokens.byAccessToken(token, state.now());
    if (grant === null) return void invalidToken(reply, token);
    const user = state.users.get(request.params.orcid);
    if (!user) return void sendApiError(reply, NOT_FOUND, rep);
    // `isMyToken`: a user's token only for its own record (client-credential tokens pass on to the scope check).
    if (grant.orcid !== null && grant.orcid !== user.orcid) return void sendApiError(reply, refuse.otherRecord, rep);
    if (!canUpdateActivities(grant.scopes)) return void sendApiError(reply, refuse.scopeMissing, rep);
    return { grant, user, source: { kind: 'client', clientId: grant.clientId } as WorkSource };
  }

  function bodyOf(request: Request, reply: FastifyReply, rep: Representation): WorkInput | null {
    const read = JSON_BODY.test(request.headers['content-type'] ?? '')
      ? readWork(typeof request.body === 'string' ? request.body : '')
      : { error: unrouted(415, 'HTTP 415 Unsupported Media Type') };
    if ('work' in read) return read.work;
    sendApiError(reply, read.error, rep);
    return null;
  }

  /** ORCID's duplicate rule: the same source may not hold two works sharing a `self` external id. */
  const duplicateOf = (user: EmulatorUser, source: WorkSource, input: WorkInput, except: number | null) =>
    user.works.find((w) => w.putCode !== except && sameSource(w.source, source) && sharesSelfId(w, input.fields));

  const negotiated = (request: FastifyRequest, reply: FastifyReply): Representation | null => {
    const rep = negotiate(request.headers.accept);
    if (rep === null) sendApiError(reply, unrouted(406, 'HTTP 406 Not Acceptable'), null);
    return rep;
  };

  const findWork = (user: EmulatorUser, putCode: string): EmulatorWork | undefined =>
    /^\d{1,18}$/.test(putCode) ? user.works.find((w) => w.putCode === Number(putCode)) : undefined;

  app.get<{ Params: Params }>('/v3.0/:orcid/work/:putCode', { config }, async (request, reply) => {
    const grant = ctx.authorizeRead(request, reply);
    if (grant === 'answered') return reply;
    const rep = negotiated(request, reply);
    if (rep === null) return reply;
    const user = state.users.get(request.params.orcid);
    const work = user && findWork(user, request.params.putCode);
    if (!user || !work) return sendApiError(reply, NOT_FOUND, rep);
    const viewer = ctx.viewerFor(grant, user);
    if (!canSeeWork(viewer, work))
      return sendApiError(reply, ctx.api === 'public' ? refuse.notPublic : refuse.notVisible, rep);
    return sendRepresented(reply, rep, 200, workView(viewer, user, work), WORK_XML);
  });

  if (ctx.api === 'public') return;

  app.post<{ Params: Params }>('/v3.0/:orcid/work', { config }, async (request, reply) => {
    const rep = negotiated(request, reply);
    if (rep === null) return reply;
    const caller = authorizeWrite(request, reply, rep);
    if (!caller) return reply;
    const input = bodyOf(request, reply, rep);
    if (!input) return reply;
    const client = clientName(caller.grant.clientId);
    if (input.putCode !== null) return sendApiError(reply, refuse.putCodeNotExpected(client), rep);
    const duplicate = duplicateOf(caller.user, caller.source, input, null);
    if (duplicate) return sendApiError(reply, refuse.duplicateWork(duplicate.putCode, client), rep);
    const now = state.now();
    const work: EmulatorWork = {
      ...input.fields,
      putCode: nextPutCode(),
      source: caller.source,
      // `setIncomingWorkPrivacy`: on a claimed record the researcher's default wins over the client's.
      visibility: caller.user.activitiesVisibilityDefault,
      createdDate: now,
      lastModifiedDate: now,
    };
    caller.user.works.push(work);
    // `ApiUtils.buildApiResponse`: 201, no body, Location = API base + /v3.0/{iD}/work/{put-code}.
    const location = `${state.baseUrl}/member-api/v3.0/${caller.user.orcid}/work/${work.putCode}`;
    return reply.code(201).header('location', location).send();
  });

  app.put<{ Params: Params }>('/v3.0/:orcid/work/:putCode', { config }, async (request, reply) => {
    const rep = negotiated(request, reply);
    if (rep === null) return reply;
    const caller = authorizeWrite(request, reply, rep);
    if (!caller) return reply;
    const input = bodyOf(request, reply, rep);
    if (!input) return reply;
    const client = clientName(caller.grant.clientId);
    const { putCode } = request.params;
    if (input.putCode !== putCode)
      return sendApiError(reply, refuse.putCodeMismatch(putCode, input.putCode ?? 'null', client), rep);
    const work = findWork(caller.user, putCode);
    if (!work) return sendApiError(reply, NOT_FOUND, rep);
    const refusal: ApiErrorSpec | null = !sameSource(work.source, caller.source)
      ? refuse.notTheSource
      : input.visibility !== null && input.visibility !== work.visibility
        ? refuse.visibilityChange(client)
        : null;
    if (refusal) return sendApiError(reply, refusal, rep);
    const duplicate = duplicateOf(caller.user, caller.source, input, work.putCode);
    if (duplicate) return sendApiError(reply, refuse.duplicateWork(duplicate.putCode, client), rep);
    Object.assign(work, input.fields, { lastModifiedDate: state.now() });
    return sendRepresented(
      reply,
      rep,
      200,
      workView(ctx.viewerFor(caller.grant, caller.user), caller.user, work),
      WORK_XML,
    );
  });

  app.delete<{ Params: Params }>('/v3.0/:orcid/work/:putCode', { config }, async (request, reply) => {
    const rep = negotiated(request, reply);
    if (rep === null) return reply;
    const caller = authorizeWrite(request, reply, rep);
    if (!caller) return reply;
    const work = findWork(caller.user, request.params.putCode);
    if (!work) return sendApiError(reply, NOT_FOUND, rep);
    if (!sameSource(work.source, caller.source)) return sendApiError(reply, refuse.notTheSource, rep);
    caller.user.works.splice(caller.user.works.indexOf(work), 1);
    return reply.code(204).send();
  });
}
