// JSON replies the way ORCID's Spring stack sends them: `application/json;charset=UTF-8`,
// serialized here so key order is exactly the order the body was built in.
import type { FastifyReply } from 'fastify';

export const JSON_UTF8 = 'application/json;charset=UTF-8';

export function sendJson(
  reply: FastifyReply,
  status: number,
  body: unknown,
  contentType: string = JSON_UTF8,
): FastifyReply {
  return reply.code(status).header('content-type', contentType).send(JSON.stringify(body));
}

/** Token-endpoint answers are never cached (legacy `OrcidClientCredentialEndPointDelegatorImpl.getResponse`). */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}
