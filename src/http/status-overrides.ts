import type { FastifyRequest } from 'fastify';
import { type ErrorCode, errorCodes } from '../errors.js';

/**
 * A route may answer some error codes with the status of a contract it implements — the DSpace
 * REST contract for /api (docs/design.md, DSpace §4) — while the code stays the same everywhere.
 * `'caller'` is DSpace's AuthorizeException mapping: 401 for an anonymous caller, 403 for a
 * signed-in one (DSpaceApiExceptionControllerAdvice.handleAuthorizeException).
 */
export type StatusOverrides = Partial<Record<ErrorCode, number | 'caller'>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    statusOverrides?: StatusOverrides;
  }
}

/** The status this request answers `code` with. */
export function statusFor(request: FastifyRequest, code: ErrorCode, status: number): number {
  const override = request.routeOptions?.config?.statusOverrides?.[code];
  if (override === undefined) return status;
  if (override === 'caller') return request.auth ? 403 : 401;
  return override;
}

/** The statuses `code` may be answered with on a route (for the OpenAPI document). */
export function statusesOf(code: ErrorCode, overrides: StatusOverrides = {}): number[] {
  const override = overrides[code];
  if (override === undefined) return [errorCodes[code]];
  return override === 'caller' ? [401, 403] : [override];
}

/** The same override for several codes. */
export const allAs = (status: number | 'caller', codes: readonly ErrorCode[]): StatusOverrides =>
  Object.fromEntries(codes.map((c) => [c, status]));
