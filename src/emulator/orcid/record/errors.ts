// The record API's error answers. Two families, as on the real API: ORCID's v3.0 error body
// for record problems (orcid-model `v3/release/error/OrcidError.java`, keys in the order
// observed by nemar; texts from ORCID-Source `api_en.properties`), and OAuth-style bodies
// from the bearer-token filter (ORCID-Source@HEAD `APIAuthenticationEntryPoint` +
// `OAuthErrorResponseHelper`; docs/design.md, ORCID §2.4).
import type { FastifyReply } from 'fastify';
import { sendJson } from '../lib/reply.js';
import type { Representation } from './negotiate.js';
import { toXml } from './xml.js';

export interface ApiErrorSpec {
  status: number;
  code: number;
  developerMessage: string;
  userMessage: string;
}

const MORE_INFO = 'https://members.orcid.org/api/resources/troubleshooting';

/** 9016: unknown iD, including one with a wrong check digit (reads do not validate it). */
export const NOT_FOUND: ApiErrorSpec = {
  status: 404,
  code: 9016,
  developerMessage: '404 Not Found: The resource was not found.',
  userMessage: 'The resource was not found.',
};

/** 9001: nothing routed or negotiated; `detail` is e.g. `HTTP 406 Not Acceptable`. */
export function unrouted(status: number, detail: string): ApiErrorSpec {
  return {
    status,
    code: 9001,
    developerMessage:
      '400 Bad Request: There is an issue with your data or the API endpoint. ' +
      '405 Method Not Allowed: Endpoint and method mismatch. ' +
      `415 Unsupported Media Type: data must be in XML or JSON format. Full validation error: ${detail}`,
    userMessage: 'ORCID could not process the data, because they were invalid.',
  };
}

/**
 * Sends the v3.0 error body in the negotiated representation. With none (a 9001), ORCID sends
 * the JSON text with no Content-Type at all (nemar-observed); Fastify would add one, so the raw
 * response is written directly.
 */
export function sendApiError(reply: FastifyReply, spec: ApiErrorSpec, rep: Representation | null): FastifyReply {
  const body = {
    'response-code': spec.status,
    'developer-message': spec.developerMessage,
    'user-message': spec.userMessage,
    'error-code': spec.code,
    'more-info': MORE_INFO,
  };
  if (rep === null) {
    const text = JSON.stringify(body);
    reply.hijack();
    reply.raw.writeHead(spec.status, { 'content-length': Buffer.byteLength(text) });
    reply.raw.end(text);
    return reply;
  }
  if (rep.kind === 'xml')
    return reply
      .code(spec.status)
      .header('content-type', rep.contentType)
      .send(toXml('error', 'error', body));
  return sendJson(reply, spec.status, body, rep.contentType);
}

/** 401 for an unknown, revoked or expired bearer token; the token is echoed in the description. */
export const invalidToken = (reply: FastifyReply, token: string): FastifyReply =>
  sendJson(reply, 401, { error: 'invalid_token', error_description: `Invalid access token: ${token}` });

/** 403 for a Member API read with no token at all. */
export const forbidden = (reply: FastifyReply): FastifyReply =>
  sendJson(reply, 403, {
    error: 'forbidden',
    error_description: 'Forbidden: The server understood the request but refuses to authorize it.',
  });
