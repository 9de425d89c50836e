/** Where the provider is mounted: the issuer is `{publicUrl}/oidc`. */
export const OIDC_PATH = '/oidc';

/** The provider's endpoints that servers call, not browsers: rate-limited, refused in JSON. */
export const serverEndpoints = ['/token', '/token/introspection', '/token/revocation', '/me'].map((p) => OIDC_PATH + p);

/** Whether a request URL is one of `serverEndpoints`. */
export const isServerEndpoint = (url: string) => serverEndpoints.includes(url.split('?')[0]!);

/** Lanyard's page that signs the person in for an authorization request (src/openid-provider/routes.ts). */
export const interactionPath = (uid: string) => `/interaction/${uid}`;
