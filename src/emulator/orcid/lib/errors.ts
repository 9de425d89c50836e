// Error bodies of the OAuth/OIDC surface. Each ORCID quirk is kept in one function here so the
// routes never spell a body themselves. The v3.0 record-API body lives in record/errors.ts.
import type { FastifyReply } from 'fastify';
import { escapeHtml } from './html.js';
import { sendJson } from './reply.js';

/** Thrown for bad admin or fixture input; the admin API answers it with 400 `{ error }`. */
export class EmulatorInputError extends Error {
  readonly code = 'ERR_ORCID_EMULATOR_INPUT';
}

/**
 * `{ error, error_description }` (ORCID `OAuthError.java`). `descriptionFirst` reproduces the key
 * order observed from the 2026 authorization server for `invalid_client` and for authorize's
 * `invalid_request` (nemar `.context/research.md`, docs/design.md, ORCID §1.2.1, §1.5).
 */
export function oauthError(
  reply: FastifyReply,
  status: number,
  error: string,
  description: string,
  opts: { descriptionFirst?: boolean } = {},
): FastifyReply {
  const body = opts.descriptionFirst
    ? { error_description: description, error }
    : { error, error_description: description };
  return sendJson(reply, status, body);
}

/** 401 for a bad client id or secret at the token and revoke endpoints (§1.5, nemar-observed). */
export const invalidClient = (reply: FastifyReply): FastifyReply =>
  oauthError(reply, 401, 'invalid_client', 'Client authentication failed', { descriptionFirst: true });

/**
 * 415 for a token or revoke request that is not form-encoded: `text/html`, Spring's sentence
 * (nemar-observed, §1.4). A request with no Content-Type counts as `application/octet-stream`,
 * the type Spring assumes for a body without one.
 */
export function unsupportedMediaType(reply: FastifyReply, contentType: string | undefined): FastifyReply {
  const type = contentType?.split(';')[0]?.trim() || 'application/octet-stream';
  return reply
    .code(415)
    .header('content-type', 'text/html;charset=utf-8')
    .header('accept', 'application/x-www-form-urlencoded')
    .send(`Content-Type '${escapeHtml(type)}' is not supported.`);
}

/**
 * Userinfo's answer to any bad token: 403 (not 401), a hyphenated `error-description`, and no
 * `WWW-Authenticate` (ORCID-Source@HEAD `OpenIDConnectUserInfoAccessDenied`; §1.9.4).
 */
export const userinfoDenied = (reply: FastifyReply): FastifyReply =>
  sendJson(reply, 403, { error: 'access_denied', 'error-description': 'access_token is invalid' });
