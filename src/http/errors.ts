import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, isLanyardError, LanyardError } from '../errors.js';
import type { Lanyard } from '../lanyard.js';
import { html } from '../lib/html.js';
import { isServerEndpoint } from '../openid-provider/paths.js';
import { isUniqueViolation } from '../stores/identities.js';
import { statusFor } from './status-overrides.js';
import { sendPage } from './views/layout.js';
import { notice } from './views/components.js';
import { hasMessage, nameIn } from '../i18n/index.js';

/** Fastify's own errors, mapped once to Lanyard's stable codes. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

/**
 * A unique constraint is the last word when two requests race (two links for one address, one
 * iD linked twice at once): the loser gets the code the constraint stands for, not a 500.
 */
const uniqueConstraintCodes: Record<string, ErrorCode> = {
  account_email: 'EMAIL_TAKEN',
  identity_provider_subject: 'IDENTITY_LINKED_ELSEWHERE',
  identity_account_provider: 'IDENTITY_ALREADY_LINKED',
};

export function toLanyardError(error: unknown): LanyardError {
  if (isLanyardError(error)) return error;
  const constraint = isUniqueViolation(error)
    ? uniqueConstraintCodes[(error as { constraint?: string }).constraint ?? '']
    : undefined;
  if (constraint)
    return new LanyardError(constraint, 'A concurrent request got there first.', undefined, { cause: error });
  const e = error as FastifyError;
  if (e.validation) {
    const details = {
      errors: e.validation.map((v) => ({
        path: v.instancePath || v.params?.missingProperty || '',
        message: v.message,
      })),
    };
    return new LanyardError('VALIDATION_FAILED', `Invalid ${e.validationContext ?? 'request'}: ${e.message}`, details);
  }
  const mapped = e.code ? fastifyCodes[e.code] : undefined;
  if (mapped) return new LanyardError(mapped, e.message);
  if (e.statusCode === 429) return new LanyardError('RATE_LIMITED', 'Too many requests; slow down.');
  if (e.statusCode === 404) return new LanyardError('NOT_FOUND', 'Not found.');
  if (e.statusCode === 405) return new LanyardError('METHOD_NOT_ALLOWED', 'Method not allowed.');
  // A library's own message may describe internals; the client gets a fixed sentence.
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
    return new LanyardError('VALIDATION_FAILED', 'Bad request.', undefined, { cause: error });
  return new LanyardError('INTERNAL', 'Internal error.', undefined, { cause: error });
}

/**
 * A server-side failure's title is a fixed sentence (the message may carry an upstream's or a
 * library's words), but one that says what happened: 502 and 503 are only ever another service's
 * failure — an identity provider, ORCID, an IdP's metadata — never Lanyard's own. The code says which.
 */
const serverTitles: Record<number, string> = {
  502: 'Bad gateway: a service Lanyard relies on gave an answer it could not use.',
  503: 'Service unavailable: a service Lanyard relies on did not answer; try again later.',
};

/** API clients (and anything asking for JSON) get problem+json; browsers get a page. */
export function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  // A browser navigating (even to the ORCID callback under /api) gets a page it can act on.
  if (accept.includes('text/html')) return false;
  return (
    request.url.startsWith('/api/') ||
    isServerEndpoint(request.url) ||
    accept.includes('json') ||
    request.headers['content-type']?.includes('json') === true
  );
}

export function sendError(
  lanyard: Lanyard,
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
): FastifyReply {
  const found = withAllowed(request, reply, toLanyardError(error));
  const e = found.withStatus(statusFor(request, found.code, found.status));
  if (e.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: e.code }, 'request refused');
  if (e.code === 'RATE_LIMITED' && reply.getHeader('retry-after') === undefined)
    reply.header('retry-after', String(e.details?.retryAfterSeconds ?? 60));
  if (wantsJson(request)) {
    return reply
      .code(e.status)
      .type('application/problem+json')
      .send({
        type: `about:blank`,
        title: e.status >= 500 ? (serverTitles[e.status] ?? 'Internal error') : e.message,
        status: e.status,
        code: e.code,
        ...(e.details && e.status < 500 ? { details: e.details } : {}),
      });
  }
  const t = request.t;
  // Not every code has its own sentence; those get the generic one.
  const key = `error.${e.code}`;
  const message = hasMessage(key) ? t(key, localParams(lanyard, request, e.details)) : t('error.generic');
  // Signed in, the sign-in form is no way back: the account page is.
  const wayBack = request.auth
    ? html`<p><a href="/profile">${t('error.backToAccount')}</a></p>`
    : html`<p><a href="/login">${t('error.back')}</a></p>`;
  return sendPage(lanyard, request, reply, {
    title: t('error.title'),
    status: e.status,
    main: html`${notice('error', message, { code: e.code })}
      <p class="muted">${t('error.code')}: <code>${e.code}</code></p>
      ${wayBack}`,
  });
}

/**
 * A 405 names the methods the path does have, in `Allow` (RFC 9110 §15.5.6) and in
 * `details.allowed`: whether the router found none for this method (src/http/app.ts) or a route
 * refuses it on purpose (GET /api/eperson/registrations, as DSpace).
 */
function withAllowed(request: FastifyRequest, reply: FastifyReply, e: LanyardError): LanyardError {
  if (e.code !== 'METHOD_NOT_ALLOWED') return e;
  const allowed = request.server.allowedMethods(request).filter((m) => m !== request.method);
  reply.header('allow', allowed.join(', '));
  return new LanyardError(e.code, e.message, { ...e.details, allowed }, { cause: e.cause, status: e.status });
}

/**
 * The placeholders of a page's sentence: the error's plain details, with the provider (named in
 * English in the details, which the API answers too) and an IdP whose metadata names it in the
 * page's language (`idpNames`) in that language.
 */
function localParams(
  lanyard: Lanyard,
  request: FastifyRequest,
  details: Record<string, unknown> | undefined,
): Record<string, string | number> {
  const params = messageParams(details);
  const idpNames = details?.idpNames;
  const idpHere =
    idpNames && typeof idpNames === 'object' ? nameIn(idpNames as Record<string, unknown>, request.locale) : undefined;
  if (idpHere) params.idp = idpHere;
  const provider = typeof details?.providerId === 'string' ? lanyard.providers.get(details.providerId) : undefined;
  if (!provider) return params;
  return {
    ...params,
    // Where the provider stands for its one IdP, so does its name.
    ...(params.idp === provider.label('en') ? { idp: provider.label(request.locale) } : {}),
    provider: provider.label(request.locale),
    identity: lanyard.providers.identityName(provider.id, request.locale),
  };
}

/** The plain values of an error's details ({ idp: … }), for the placeholders of its sentence. */
function messageParams(details: Record<string, unknown> | undefined): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(details ?? {})) if (typeof v === 'string' || typeof v === 'number') params[k] = v;
  return params;
}
