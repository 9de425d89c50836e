/** Where the provider is mounted: the issuer is `{publicUrl}/oidc`. */
export const OIDC_PATH = '/oidc';

/** Lanyard's page that signs the person in for an authorization request (src/openid-provider/routes.ts). */
export const interactionPath = (uid: string) => `/interaction/${uid}`;
