/** Where the provider is mounted: the issuer is `{publicUrl}/oidc`. */
export const OIDC_PATH = '/oidc';

/** The provider's endpoints that servers call, not browsers: rate-limited, refused in JSON. */
export const serverEndpoints = ['/token', '/token/introspection', '/token/revocation', '/me', '/request'].map(
  (p) => OIDC_PATH + p,
);

/** Whether a request URL is one of `serverEndpoints`. */
export const isServerEndpoint = (url: string) => serverEndpoints.includes(url.split('?')[0]!);

/**
 * Whether a URL reaches a server endpoint only through a spelling the provider's router forgives
 * (`/oidc/TOKEN`, `/oidc/token/`, `/oidc//token`, `/oidc/%74oken`): such a request would pass the
 * endpoint's rate limit and its refusals, which are declared for the exact path. It is not served.
 */
export function isServerEndpointVariant(url: string): boolean {
  const path = url.split('?')[0]!;
  if (isServerEndpoint(path)) return false;
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    /* a malformed escape is not an endpoint either */
  }
  return isServerEndpoint(
    decoded
      .toLowerCase()
      .replace(/\/{2,}/g, '/')
      .replace(/\/+$/, ''),
  );
}

/** Lanyard's page that signs the person in for an authorization request (src/openid-provider/routes.ts). */
export const interactionPath = (uid: string) => `/interaction/${uid}`;
