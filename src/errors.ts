/**
 * Every error Lanyard raises on purpose carries a stable `code` that callers can switch on.
 * The HTTP layer turns them into `application/problem+json` (API) or an error page (browser).
 * The list of codes, with their meaning, is documented in docs/errors.md.
 */
export const errorCodes = {
  // input
  VALIDATION_FAILED: 400,
  INVALID_EMAIL: 400,
  CREDENTIALS_IN_URL: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CSRF_FAILED: 403,
  CORS_ORIGIN_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  RATE_LIMITED: 429,
  // tokens and registrations
  TOKEN_INVALID: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_CONSUMED: 401,
  TOKEN_WRONG_TYPE: 401,
  TOKEN_REGISTRATION_MISMATCH: 401,
  REGISTRATION_NOT_FOUND: 404,
  REGISTRATION_EMAIL_STATE: 422,
  REGISTRATION_OTHER_BROWSER: 403,
  CONFIRMATION_REQUIRED: 400,
  IDENTITY_PROOF_REQUIRED: 403,
  IDENTITY_PROOF_MISMATCH: 403,
  // accounts and sessions
  AUTH_REQUIRED: 401,
  AUTH_SCHEME_UNSUPPORTED: 401,
  INVALID_CREDENTIALS: 401,
  ACCOUNT_DISABLED: 403,
  FORBIDDEN: 403,
  REAUTH_REQUIRED: 401,
  EMAIL_TAKEN: 409,
  EMAIL_UNCHANGED: 400,
  EMAIL_CHANGE_OTHER_ACCOUNT: 403,
  PASSWORD_TOO_WEAK: 400,
  SELF_REGISTRATION_DISABLED: 403,
  ACCOUNT_EMAIL_UNVERIFIED: 409,
  LAST_SIGN_IN_METHOD: 409,
  OVERRIDE_UNKNOWN_FIELD: 400,
  // operators' console
  ADMIN_REQUIRED: 403,
  LAST_ADMIN: 409,
  INVALID_DAY: 400,
  MERGE_SAME_ACCOUNT: 400,
  MERGE_SAME_PROVIDER: 409,
  MERGE_SURVIVOR_DISABLED: 409,
  MERGE_NOTHING_TO_MOVE: 409,
  ACCOUNT_MERGED: 409,
  REGISTRATION_NOT_MAILED: 409,
  // external providers
  IDENTITY_LINKED_ELSEWHERE: 409,
  IDENTITY_ALREADY_LINKED: 409,
  ORCID_ID_MISMATCH: 409,
  PROVIDER_ACCESS_DENIED: 400,
  PROVIDER_ERROR: 502,
  PROVIDER_UNAVAILABLE: 503,
  OAUTH_STATE_INVALID: 400,
  OAUTH_CALLBACK_EMPTY: 400,
  OAUTH_CALLBACK_INVALID: 400,
  OAUTH_CODE_INVALID: 400,
  OIDC_INTERACTION_EXPIRED: 400,
  REDIRECT_NOT_ALLOWED: 400,
  PROVIDER_NOT_CONFIGURED: 404,
  // SAML and Shibboleth (issue 11): each refusal names the IdP (details.idp)
  SAML_IDP_UNKNOWN: 400,
  SAML_METADATA_UNAVAILABLE: 503,
  SAML_METADATA_EXPIRED: 503,
  SAML_RESPONSE_INVALID: 400,
  SAML_IDP_REFUSED: 400,
  SAML_SIGNATURE_INVALID: 403,
  SAML_SIGNATURE_WEAK: 403,
  SAML_ISSUER_MISMATCH: 403,
  SAML_AUDIENCE_MISMATCH: 403,
  SAML_RECIPIENT_MISMATCH: 403,
  SAML_DESTINATION_MISMATCH: 403,
  SAML_EXPIRED: 403,
  SAML_REPLAYED: 403,
  SAML_UNSOLICITED: 403,
  SAML_REQUEST_UNKNOWN: 403,
  SAML_NAMEID_QUALIFIER: 403,
  SAML_SCOPE_FOREIGN: 403,
  SAML_NO_SUBJECT: 403,
  SAML_FLOW_INVALID: 400,
  SHIBBOLETH_HEADERS_UNTRUSTED: 403,
  SHIBBOLETH_HEADERS_INVALID: 400,
  // OpenID Connect upstreams (issue 10): each refusal names the provider (details.provider)
  OIDC_ISSUER_MISMATCH: 400,
  OIDC_NONCE_MISMATCH: 400,
  OIDC_ID_TOKEN_INVALID: 502,
  OIDC_USERINFO_MISMATCH: 502,
  // ORCID on the researcher's behalf: repositories' calls with an access token of Lanyard's OpenID provider
  ACCESS_TOKEN_INVALID: 401,
  ACCESS_TOKEN_SCOPE: 403,
  DPOP_PROOF_INVALID: 401,
  ORCID_NOT_LINKED: 409,
  ORCID_CONSENT_REQUIRED: 409,
  // configuration
  CONFIG_INVALID: 500,
  DATA_DIR_IN_USE: 500,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class LanyardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra, safe-to-show facts (field names, limits). Never secrets. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.name = 'LanyardError';
    this.code = code;
    this.status = options?.status ?? errorCodes[code];
    this.details = details;
  }

  /** The same error answered with another status (a route that follows an external contract). */
  withStatus(status: number): LanyardError {
    return status === this.status
      ? this
      : new LanyardError(this.code, this.message, this.details, { cause: this.cause, status });
  }
}

export const isLanyardError = (e: unknown): e is LanyardError => e instanceof LanyardError;
