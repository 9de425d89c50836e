import type { ProviderAsset } from '../provider.js';

/** ORCID iD icon (ORCID brand guidelines: green circle, white "iD"), drawn at 24×24. */
const orcidIcon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256" width="24" height="24"><circle cx="128" cy="128" r="128" fill="#A6CE39"/><g fill="#fff"><rect x="70" y="80" width="17" height="100"/><circle cx="78.5" cy="62" r="11"/><path d="M105 80h46c28 0 48 20 48 50s-20 50-48 50h-46zm17 15v70h28c20 0 32-14 32-35s-12-35-32-35z"/></g></svg>`;

/** Served at this path by the shared provider routes while ORCID is configured. */
export const orcidIconAsset: ProviderAsset = { path: '/assets/orcid-id.svg', type: 'image/svg+xml', body: orcidIcon };
