// Reading what a client sends: form bodies, client credentials, bearer tokens.
// The plugin hands every body to routes as a raw string (see plugin.ts), so each endpoint
// decides for itself what it accepts, as ORCID's do.
import type { FastifyRequest } from 'fastify';

const FORM = 'application/x-www-form-urlencoded';

/** The form parameters, or null when the body is not form-encoded (the token endpoint's 415). */
export function readForm(request: FastifyRequest): URLSearchParams | null {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== FORM) return null;
  return new URLSearchParams(typeof request.body === 'string' ? request.body : '');
}

/** Query parameters as a URLSearchParams, keeping repeats and order. */
export function queryParams(request: FastifyRequest): URLSearchParams {
  const at = request.url.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : request.url.slice(at + 1));
}

export interface ClientCredentials {
  clientId: string | null;
  clientSecret: string | null;
}

/**
 * `Authorization: Basic` wins over body parameters: since 2026-03-13 the registry forwards the
 * header to the authorization server instead of the form fields (ORCID-Source@HEAD
 * `OauthGenericCallsController.handleBasicAuthentication`, commit 4d30f1e929; §1.4). Both parts
 * are form-URL-decoded as RFC 6749 §2.3.1 requires.
 */
export function clientCredentials(request: FastifyRequest, form: URLSearchParams): ClientCredentials {
  const header = request.headers.authorization;
  if (header && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      const part = (s: string) => decodeURIComponent(s.replaceAll('+', ' '));
      try {
        return { clientId: part(decoded.slice(0, colon)), clientSecret: part(decoded.slice(colon + 1)) };
      } catch {
        return { clientId: null, clientSecret: null };
      }
    }
  }
  return { clientId: form.get('client_id'), clientSecret: form.get('client_secret') };
}

/**
 * The bearer token of the `Authorization` header; the `Bearer|bearer` prefix is matched case-
 * insensitively (ORCID-Source@HEAD `OpenIDController`, `OAuthErrorResponseHelper.extractHeaderToken`).
 */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header || !/^bearer/i.test(header)) return null;
  const token = header.slice(6).trim().split(',')[0]!.trim();
  return token === '' ? null : token;
}
