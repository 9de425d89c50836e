import type { FastifyReply } from 'fastify';
import type { OrcidWork, OrcidWrite } from '../../db/schema.js';
import { LanyardError } from '../../errors.js';
import type { Lanyard } from '../../lanyard.js';
import { orcidApiFor, orcidIdentityOf, type WorkContent } from '../../orcid-api/client.js';
import { normalizedExternalId, withSelfId } from '../../orcid-api/work.js';
import {
  findWork,
  findWrite,
  latestWrites,
  listWorks,
  needsConsent,
  queueDelete,
  queuePut,
  type WorkKey,
} from '../../stores/orcid-works.js';
import type { Route } from '../app.js';
import { type OrcidCaller, orcidApiGuard } from './orcid-caller.js';
import { NoQuery, WorkBody, WorkList, WorkParams, WorkRest, WriteParams, WriteRest } from './orcid-schemas.js';
import { refusals } from './schemas.js';

const tags = ['orcid'];
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const callerRefusals = [
  'AUTH_REQUIRED',
  'ACCESS_TOKEN_INVALID',
  'DPOP_PROOF_INVALID',
  'ACCESS_TOKEN_SCOPE',
  'PROVIDER_NOT_CONFIGURED',
  'RATE_LIMITED',
] as const;

export const writeView = (w: OrcidWrite) => ({
  id: w.id,
  kind: w.kind,
  state: w.state,
  outcome: w.outcome,
  putCode: w.put_code === null ? null : Number(w.put_code),
  externalIdType: w.external_id_type,
  externalId: w.external_id,
  attempts: w.attempts,
  nextAttemptAt: w.state === 'queued' ? w.next_attempt_at.toISOString() : null,
  error: w.error_code ? { code: w.error_code, status: w.error_status, message: w.last_error ?? '' } : null,
  createdAt: w.created_at.toISOString(),
  finishedAt: w.finished_at?.toISOString() ?? null,
});

const workView = (w: OrcidWork, last: OrcidWrite | undefined) => {
  const c = w.content as WorkContent;
  return {
    externalIdType: w.external_id_type,
    externalId: w.external_id_value,
    putCode: w.put_code === null ? null : Number(w.put_code),
    orcid: w.orcid,
    work: {
      title: c.title,
      type: c.type,
      publicationDate: c.publicationDate ?? null,
      url: c.url ?? null,
      journalTitle: c.journalTitle ?? null,
      externalIds: c.externalIds,
    },
    createdAt: w.created_at.toISOString(),
    updatedAt: w.updated_at.toISOString(),
    lastWrite: last ? writeView(last) : null,
  };
};

/**
 * `/api/orcid/works…` and `/api/orcid/writes/…`: the works a repository puts on a researcher's ORCID
 * record through Lanyard (docs/api.md, "ORCID works"). Every write is queued (src/orcid-api/worker.ts)
 * and answered 202 with the write's status URL. A repository sees and changes only the works it
 * pushed: another client's work is "not found", and nothing changes.
 * Every call counts against its caller's limit (src/http/api/orcid-caller.ts).
 */
export const orcidRoutes: Route = (api, lanyard) => {
  const guard = orcidApiGuard(api, lanyard);
  const keyOf = (caller: OrcidCaller, params: { externalIdType: string; externalId: string }): WorkKey => ({
    accountId: caller.accountId,
    clientId: caller.clientId ?? '',
    externalIdType: params.externalIdType,
    externalId: normalizedExternalId(params.externalIdType, params.externalId),
  });

  api.get(
    '/api/orcid/works',
    {
      schema: {
        tags,
        summary: 'The works this repository (or, in a session, the researcher) put on the researcher’s ORCID record',
        querystring: NoQuery,
        response: {
          200: json(WorkList, 'The works, oldest first, each with its latest write.'),
          ...refusals(...callerRefusals, 'VALIDATION_FAILED'),
        },
      },
    },
    async (request, reply) => {
      const caller = await guard(request, reply);
      const clientId = caller.clientId ?? '';
      const [works, writes] = await Promise.all([
        listWorks(lanyard.db, caller.accountId, clientId),
        latestWrites(lanyard.db, caller.accountId, clientId),
      ]);
      return {
        works: works.map((w) => workView(w, writes.get(`${w.external_id_type}\u0000${w.external_id}`))),
      };
    },
  );

  /** The researcher can be written for: an iD, a token ORCID still accepts, `/activities/update`. */
  const writable = async (accountId: string) => {
    const identity = await orcidIdentityOf(lanyard, accountId);
    const orcid = identity && (await orcidApiFor(lanyard, accountId));
    if (!identity || !orcid)
      throw new LanyardError('ORCID_NOT_LINKED', 'The researcher has no ORCID iD linked to their account.');
    if ((await needsConsent(lanyard.db, identity.identityId)) || !orcid.canUpdateWorks)
      throw new LanyardError(
        'ORCID_CONSENT_REQUIRED',
        'The researcher must allow Lanyard to update their ORCID record again (their profile page).',
      );
  };
  const queued = (reply: FastifyReply, write: OrcidWrite) => {
    setImmediate(() => lanyard.orcidWrites.kick());
    return reply.code(202).header('location', `/api/orcid/writes/${write.id}`).send(writeView(write));
  };
  const writeRefusals = refusals(
    ...callerRefusals,
    'VALIDATION_FAILED',
    'CSRF_FAILED',
    'ORCID_NOT_LINKED',
    'ORCID_CONSENT_REQUIRED',
    'ACCOUNT_DISABLED',
    'BODY_TOO_LARGE',
    'UNSUPPORTED_MEDIA_TYPE',
  );

  api.put(
    '/api/orcid/works/:externalIdType/:externalId',
    {
      schema: {
        tags,
        summary: 'Put a work on the researcher’s ORCID record, or update it: idempotent, keyed by its self identifier',
        params: WorkParams,
        querystring: NoQuery,
        body: WorkBody,
        response: {
          202: {
            ...json(WriteRest, 'Queued; follow Location for the write’s status.'),
            headers: { Location: { type: 'string' } },
          },
          ...writeRefusals,
        },
      },
    },
    async (request, reply) => {
      const caller = await guard(request, reply);
      await writable(caller.accountId);
      const { externalIdType, externalId } = request.params;
      const body = request.body;
      const content = withSelfId(
        {
          title: body.title.trim(),
          type: body.type,
          publicationDate: body.publicationDate ?? null,
          url: body.url ?? null,
          journalTitle: body.journalTitle ?? null,
          externalIds: (body.externalIds ?? []).map((e) => ({
            type: e.type,
            value: e.value,
            url: e.url ?? null,
            relationship: e.relationship as WorkContent['externalIds'][number]['relationship'],
          })),
        },
        { type: externalIdType, value: externalId.trim() },
      );
      const write = await queuePut(
        lanyard.db,
        keyOf(caller, request.params),
        externalId.trim(),
        content,
        lanyard.clock.now(),
      );
      return queued(reply, write);
    },
  );

  api.delete(
    '/api/orcid/works/:externalIdType/:externalId',
    {
      schema: {
        tags,
        summary: 'Remove a work this repository put on the researcher’s ORCID record',
        params: WorkParams,
        querystring: NoQuery,
        response: {
          202: {
            ...json(WriteRest, 'Queued; follow Location for the write’s status.'),
            headers: { Location: { type: 'string' } },
          },
          ...refusals(
            ...callerRefusals,
            'VALIDATION_FAILED',
            'CSRF_FAILED',
            'NOT_FOUND',
            'ORCID_NOT_LINKED',
            'ORCID_CONSENT_REQUIRED',
            'ACCOUNT_DISABLED',
            'BODY_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
          ),
        },
      },
    },
    async (request, reply) => {
      const caller = await guard(request, reply);
      const key = keyOf(caller, request.params);
      // Another repository's work, or one never pushed: not found, whoever holds it.
      if (!(await findWork(lanyard.db, key)))
        throw new LanyardError('NOT_FOUND', 'This repository put no work with this identifier on the record.');
      await writable(caller.accountId);
      return queued(reply, await queueDelete(lanyard.db, key, lanyard.clock.now()));
    },
  );

  api.get(
    '/api/orcid/writes/:id',
    {
      schema: {
        tags,
        summary: 'The status of a queued write',
        params: WriteParams,
        querystring: NoQuery,
        response: {
          200: json(WriteRest, 'The write.'),
          ...refusals(...callerRefusals, 'VALIDATION_FAILED', 'NOT_FOUND'),
        },
      },
    },
    async (request, reply) => {
      const caller = await guard(request, reply);
      const write = await findWrite(
        lanyard.db,
        request.params.id.toLowerCase(),
        caller.accountId,
        caller.clientId ?? '',
      );
      if (!write) throw new LanyardError('NOT_FOUND', 'No such write.');
      return writeView(write);
    },
  );
};

export type { Lanyard };
